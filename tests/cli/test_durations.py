"""Durations read the same in every table (`18 h 40 min`, `4 h`) and stay seconds in --json."""

from __future__ import annotations

from indexops.plans import seal, write_plan
from tests.plans.conftest import AAVE, plan_fields, totals, trade_step


def test_the_plan_tables_show_durations_in_one_format(cli, tmp_path):
    fields = plan_fields(totals=totals(duration_seconds=67_200), baseline=totals(duration_seconds=183_600))
    limits = {"min_weth_received": 7 * 10**17}
    fields["steps"][1:] = [trade_step(1, "AAVE", AAVE, "sell", 1, 2, 7 * 10**17, cool_off_after=14_400, limits=limits),
                           trade_step(2, "AAVE", AAVE, "sell", 2, 2, 7 * 10**17, cool_off_after=0, limits=limits)]
    path = write_plan(seal(fields), tmp_path / "plan.json")

    shown = cli("show", path)
    assert shown.code == 0, shown.err
    duration_row = next(line for line in shown.out.splitlines() if "│ duration" in line)
    assert [cell.strip() for cell in duration_row.split("│")[2:4]] == ["18 h 40 min", "2 d 3 h"]
    aave_row = next(line for line in shown.out.splitlines() if line.startswith("│ AAVE") and "sell" in line)
    assert aave_row.rstrip(" │").endswith("4 h")

    document = cli("show", path, "--json").json()["plan"]
    assert document["totals"]["duration_seconds"] == 67_200
    assert document["steps"][1]["cool_off_after"] == 14_400
