"""`indexops safe export --out`: a path ending in .json is the batch file (its sidecar beside it), any other
path a directory; the files written are named in the output, and a destination that cannot work is refused first."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.paths import SHIPPED_PRODUCTS

pytestmark = pytest.mark.chain


@pytest.fixture(scope="module")
def plan_path(sandbox, tmp_path_factory) -> Path:
    from indexops.cli.app import main

    path = tmp_path_factory.mktemp("plan") / "mvi.plan.json"
    assert main(["plan", "mvi", "--config", str(SHIPPED_PRODUCTS), "--gas-price", "30", "--out", str(path), "--json"]) == 0
    return path


def export(cli, plan_path: Path, out: Path, *extra):
    return cli("safe", "export", plan_path, "--out", out, "--config", SHIPPED_PRODUCTS, *extra)


def test_a_json_path_is_the_batch_file_and_the_sidecar_goes_beside_it(cli, w3, plan_path, tmp_path):
    target = tmp_path / "signers" / "rebalance.json"
    result = export(cli, plan_path, target, "--multisend")
    assert result.code == 0, result.err
    sidecar = tmp_path / "signers" / "rebalance.safetx.json"
    assert target.is_file() and sidecar.is_file()
    assert sorted(path.name for path in target.parent.iterdir()) == ["rebalance.json", "rebalance.safetx.json"]
    assert json.loads(sidecar.read_text())["transactions"][0]["batchFile"] == "rebalance.json"
    wrote = [line.split("│")[2].split()[0] for line in result.out.splitlines() if line.startswith("│ wrote")]
    assert wrote == [str(target), str(sidecar)]

    as_json = export(cli, plan_path, tmp_path / "again.json", "--multisend", "--json")
    assert as_json.code == 0, as_json.err
    assert as_json.json()["written"] == [str(tmp_path / "again.json"), str(tmp_path / "again.safetx.json")]

    decoded = cli("safe", "decode", target, "--config", SHIPPED_PRODUCTS, "--json")
    assert decoded.code == 0, decoded.err
    assert decoded.json()["sidecar"] == str(sidecar)


def test_any_other_path_is_a_directory(cli, w3, plan_path, tmp_path):
    directory = tmp_path / "out"
    result = export(cli, plan_path, directory, "--json")
    assert result.code == 0, result.err
    written = [Path(path) for path in result.json()["written"]]
    assert len(written) == 3 and all(path.parent == directory and path.is_file() for path in written)  # two SafeTxs
    assert sorted(path.name for path in directory.iterdir()) == sorted(path.name for path in written)


def refused(result) -> str:
    assert result.code == 2 and result.out == "" and result.err.count("\n") == 1, result.err
    return result.err


def test_a_destination_that_cannot_work_is_refused_before_anything_is_written(cli, w3, plan_path, tmp_path):
    one_file = tmp_path / "x.json"
    assert "names one batch file, but the export makes 2 SafeTxs" in refused(export(cli, plan_path, one_file))
    (tmp_path / "dir.json").mkdir()
    assert "it is a directory" in refused(export(cli, plan_path, tmp_path / "dir.json", "--multisend"))
    assert "name the batch file" in refused(export(cli, plan_path, tmp_path / "y.safetx.json", "--multisend"))
    (tmp_path / "notes.txt").write_text("")
    assert "exists and is not a directory" in refused(export(cli, plan_path, tmp_path / "notes.txt", "--multisend"))
    assert sorted(path.name for path in tmp_path.iterdir()) == ["dir.json", "notes.txt"]
    assert not any((tmp_path / "dir.json").iterdir())
