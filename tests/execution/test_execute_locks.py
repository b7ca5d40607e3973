"""Two executors never send from one account at once, even with two journal files."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.execution.test_execute import execute_args, make_plan

pytestmark = pytest.mark.chain


def test_a_second_executor_for_the_same_signer_is_refused_whatever_its_journal(cli, sandbox, w3, tmp_path):
    path = make_plan(cli, tmp_path, "dpi", "--gas-price", "30")
    env = {k: v for k, v in os.environ.items() if k != "INDEXOPS_FAULT"}
    first = subprocess.Popen(
        [sys.executable, "-m", "indexops", *map(str, execute_args(path, tmp_path / "one.sqlite3", "--account", "1",
                                                                   "--trader", "3", "--json"))],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        for line in first.stdout:  # runs until the first chunk's cool-off holds it
            if json.loads(line)["event"] == "cool_off":
                break
        else:
            pytest.fail(f"the first executor never waited: {first.stderr.read()}")
        sent = w3.eth.get_transaction_count(w3.eth.accounts[1]), w3.eth.get_transaction_count(w3.eth.accounts[3])
        second = cli(*execute_args(path, tmp_path / "two.sqlite3", "--account", "1", "--trader", "3"))
        assert second.code == 2
        assert "is already sending on chain 31337 from process" in second.err and str(first.pid) in second.err
        assert (w3.eth.get_transaction_count(w3.eth.accounts[1]), w3.eth.get_transaction_count(w3.eth.accounts[3])) == sent
    finally:
        first.kill()
        first.wait()
