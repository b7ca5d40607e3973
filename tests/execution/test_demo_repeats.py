"""`make demo` any number of times: a sandbox started again is a new chain, not a resumed one."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from indexops.plans import load_plan
from indexops.sandbox.anvil import _free_port
from tests.paths import SHIPPED_PRODUCTS

pytestmark = pytest.mark.chain


def test_the_demo_runs_again_after_a_reset_and_after_down_and_up(tmp_path):
    home = tmp_path / "home"
    env = {**os.environ, "INDEXOPS_HOME": str(home)}
    env.pop("INDEXOPS_FAULT", None)
    port = str(_free_port())

    def indexops(*args) -> subprocess.CompletedProcess:
        result = subprocess.run([sys.executable, "-m", "indexops", *map(str, args)], env=env, capture_output=True,
                                text=True, timeout=240)
        assert result.returncode == 0, result.stderr
        return result

    def rebalance(round_: int) -> None:
        plan_path = tmp_path / f"dpi-{round_}.plan.json"
        indexops("plan", "dpi", "--config", SHIPPED_PRODUCTS, "--out", plan_path)
        result = indexops("execute", plan_path, "--config", SHIPPED_PRODUCTS, "--account", "1", "--trader", "3",
                          "--warp", "--yes", "--json")
        mined = sum('"event": "mined"' in line for line in result.stdout.splitlines())
        assert mined == len(load_plan(plan_path).steps)

    indexops("sandbox", "up", "--port", port)
    try:
        rebalance(1)
        indexops("sandbox", "reset")
        rebalance(2)  # the same deterministic plan, nonces and transaction hashes, on a new chain
        indexops("sandbox", "down")
        indexops("sandbox", "up", "--port", port)
        rebalance(3)
    finally:
        subprocess.run([sys.executable, "-m", "indexops", "sandbox", "down"], env=env, capture_output=True, timeout=60)
    assert load_plan(tmp_path / "dpi-1.plan.json").steps == load_plan(tmp_path / "dpi-2.plan.json").steps


def test_a_plan_from_a_chain_that_was_started_again_is_refused(cli, sandbox, w3, tmp_path):
    from indexops.plans import seal, write_plan

    plan = load_plan(_plan(cli, tmp_path))
    fields = plan.model_dump()
    fields["snapshot"]["block_hash"] = "0x" + "5a" * 32
    other = write_plan(seal(fields), tmp_path / "other.plan.json")
    result = cli("execute", other, "--config", SHIPPED_PRODUCTS, "--journal", tmp_path / "j.sqlite3", "--yes",
                 "--account", "1", "--trader", "3")
    assert result.code != 0
    assert "made on another instance of this chain" in result.err and "re-run `indexops plan`" in result.err
    assert len(result.err.strip().splitlines()) == 1


def _plan(cli, tmp_path):
    out = tmp_path / "plan.json"
    result = cli("plan", "dpi", "--config", SHIPPED_PRODUCTS, "--out", out)
    assert result.code == 0, result.err
    return out
