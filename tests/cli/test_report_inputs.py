"""`report pnl`'s bad inputs, refused in one line (exit 2) before the products file or the chain is read."""

from __future__ import annotations

import sys

import pytest

from tests.paths import SHIPPED_PRODUCTS


@pytest.mark.parametrize(
    ("scenario", "message"),
    [
        ("fee=85/15", '--scenario: unknown key "fee" (keys: split, gas)'),
        ("split=85/20", "--scenario: split=85/20 adds up to 105, not 100"),
        ("split=85:15", "--scenario: split=85:15: give the operator's and the methodologist's percent, e.g. "
                        "split=85/15"),
        ("gas=users", "--scenario: gas=users: not one of operator, methodologist, holders, comp"),
        ("split=85/15,split=60/40", "--scenario: split is given twice"),
    ],
)  # fmt: skip
def test_a_bad_scenario_is_one_line(cli, scenario, message):
    result = cli("report", "pnl", "eth2x-fli", "--config", SHIPPED_PRODUCTS, "--scenario", scenario)
    assert (result.code, result.out, result.err) == (2, "", f"error: {message}\n")


def test_csv_and_json_cannot_share_stdout(cli):
    result = cli("report", "pnl", "eth2x-fli", "--config", SHIPPED_PRODUCTS, "--csv", "-", "--json")
    assert (result.code, result.err) == (2, "error: --csv - and --json both write to stdout: give --csv a file name\n")


def test_a_file_in_a_missing_folder_is_refused_before_the_reading(cli, tmp_path):
    missing = tmp_path / "nowhere"
    csv_result = cli("report", "pnl", "eth2x-fli", "--config", SHIPPED_PRODUCTS, "--csv", missing / "pnl.csv")
    assert (csv_result.code, csv_result.err) == (2, f"error: --csv {missing}/pnl.csv: no folder {missing}\n")
    png_result = cli("report", "pnl", "eth2x-fli", "--config", SHIPPED_PRODUCTS, "--png", missing / "pnl.png")
    assert (png_result.code, png_result.err) == (2, f"error: --png {missing}/pnl.png: no folder {missing}\n")


def test_png_without_matplotlib_names_the_extra(cli, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # what `import matplotlib` finds when it is not installed
    result = cli("report", "pnl", "eth2x-fli", "--config", SHIPPED_PRODUCTS, "--png", tmp_path / "pnl.png")
    assert (result.code, result.out) == (2, "")
    assert result.err == "error: --png needs matplotlib: pip install 'indexops[charts]'\n"
    assert not (tmp_path / "pnl.png").exists()
