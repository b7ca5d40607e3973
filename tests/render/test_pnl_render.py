"""`report pnl`'s output: the tables, the CSV read back with the csv module, the JSON, the charts."""

from __future__ import annotations

import csv
import io
import json
import math
from collections import defaultdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from indexops.errors import UsageError
from indexops.render.pnl import pnl_json, render_pnl
from indexops.render.pnl_chart import SERIES, save_png, terminal_chart
from indexops.render.pnl_csv import HEADER, write_pnl_csv
from indexops.report.pnl.scenario import Arrangement, GasBearer, Split, parse_scenario, recompute
from indexops.report.pnl.totals import totals_of
from tests.report.pnl_ledgers import SEED_TOKENS, ledger, ledgers, seed_history

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _seed(text: str = "split=76.25/23.75,gas=holders"):
    history = seed_history(supply=round(SEED_TOKENS))
    scenario = parse_scenario(text)
    assert scenario.split is not None and scenario.gas is not None
    return totals_of(history), recompute(history, Arrangement(scenario.split, scenario.gas))


def _text(renderables) -> str:
    console = Console(record=True, width=200, color_system=None)
    for renderable in renderables:
        console.print(renderable)
    return console.export_text()


def test_the_tables_show_the_totals_each_party_each_month_and_the_scenario_beside_them():
    totals, scenario = _seed()
    shown = _text(render_pnl(totals, scenario))
    for figure in ("$690,000.00", "$271,000.00", "$419,000.00", "$147,000.00", "35.08%", "1,470 ETH"):
        assert figure in shown
    assert "keepers $117,600.00" in shown and "operator accounts $29,400.00" in shown
    for month in ("2021-03", "2021-04", "2021-05", "2021-06", "2021-07"):
        assert month in shown
    assert "under split=76.25/23.75,gas=holders" in shown
    assert "+$107,125.00" in shown and "-$107,125.00" in shown  # the operator's gain is the methodologist's loss
    assert "$526,125.00" in shown and "$163,875.00" in shown
    assert "holders' gas per token" in shown and "$0.18" in shown
    assert "$272,000.00 -> $526,125.00" in shown
    without = _text(render_pnl(totals))
    assert "scenario" not in without and "$419,000.00" in without


def test_the_json_is_the_report_and_the_scenario():
    totals, scenario = _seed("split=85/15,gas=comp")
    document = json.loads(json.dumps(pnl_json(totals, scenario), allow_nan=False))
    assert document["product"] == "eth2x-fli" and document["supply"] == round(SEED_TOKENS)
    assert document["totals"]["revenue"] == pytest.approx(690_000)
    assert document["totals"]["gas_share_of_income"] == pytest.approx(147 / 419)
    assert [m["month"] for m in document["months"]] == ["2021-03", "2021-04", "2021-05", "2021-06", "2021-07"]
    assert {p["party"] for p in document["parties"]} == {"operator", "methodologist", "protocol", "undistributed",
                                                         "holders"}  # fmt: skip
    assert document["scenario"]["scenario"] == "split=85/15,gas=comp"
    assert document["scenario"]["split"] == {"operator": 85.0, "methodologist": 15.0}
    assert document["scenario"]["totals"]["operator_net"] == pytest.approx(586_500 - 147_000)  # no COMP to pay gas
    assert json.loads(json.dumps(pnl_json(totals)))["scenario"] is None
    empty = json.loads(json.dumps(pnl_json(totals_of(ledger())), allow_nan=False))
    assert empty["totals"]["gas_share_of_income"] is None and empty["months"] == []


def _read_csv(totals, scenario) -> list[dict]:
    out = io.StringIO()
    write_pnl_csv(out, totals, scenario)
    out.seek(0)
    rows = list(csv.DictReader(out))
    assert tuple(rows[0].keys()) == HEADER if rows else True
    return rows


def test_the_csv_has_a_row_per_month_per_party():
    totals, scenario = _seed()
    rows = _read_csv(totals, scenario)
    actual = [r for r in rows if r["view"] == "actual"]
    changed = [r for r in rows if r["view"] == "scenario"]
    assert len(actual) == 5 * 5 and len(changed) == 5 * 3
    july = {r["party"]: r for r in actual if r["month"] == "2021-07"}
    assert july["operator"] == {"view": "actual", "month": "2021-07", "party": "operator", "take_usd": "83800.00",
                                "gas_usd": "29400.00", "net_usd": "54400.00"}  # fmt: skip
    holders = [r for r in changed if r["party"] == "holders"]
    assert math.fsum(float(r["gas_usd"]) for r in holders) == pytest.approx(147_000)


@settings(max_examples=150, deadline=None)
@given(ledgers, st.decimals(0, 100, places=2), st.sampled_from(list(GasBearer)))
def test_the_csv_read_back_adds_up_to_the_totals(history, operator, bearer):
    totals = totals_of(history)
    scenario = recompute(history, Arrangement(Split.of_operator(operator), bearer))
    rows = _read_csv(totals, scenario)
    sums: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    for row in rows:
        for column in ("take_usd", "gas_usd", "net_usd"):
            sums[(row["view"], row["month"], column)].append(float(row[column]))
        assert float(row["net_usd"]) == pytest.approx(float(row["take_usd"]) - float(row["gas_usd"]), abs=0.011)
    cents = 0.005 * 5  # each of a month's rows rounded to the cent
    for month in totals.months:
        f = month.figures
        takes = math.fsum(sums[("actual", month.month, "take_usd")])
        assert takes == pytest.approx(f.revenue + f.protocol_fees + f.comp_claimed, rel=1e-9, abs=cents)
        assert math.fsum(sums[("actual", month.month, "gas_usd")]) == pytest.approx(f.gas, rel=1e-9, abs=cents)
    for month, f in scenario.months:
        takes = math.fsum(sums[("scenario", month, "take_usd")])
        assert takes == pytest.approx(f.revenue + f.comp_claimed, rel=1e-9, abs=cents)
        assert math.fsum(sums[("scenario", month, "gas_usd")]) == pytest.approx(f.gas, rel=1e-9, abs=cents)
    every_gas = math.fsum(float(r["gas_usd"]) for r in rows if r["view"] == "actual")
    assert every_gas == pytest.approx(totals.whole.gas, rel=1e-9, abs=0.005 * max(len(rows), 1))


def test_the_terminal_chart_renders_each_month_and_the_key():
    totals, _ = _seed()
    chart = terminal_chart(totals, width=100, height=22, colorless=True)
    lines = chart.splitlines()
    assert "eth2x-fli on mainnet: each month, USD" in lines[0]
    assert all(month in chart for month in ("2021-03", "2021-05", "2021-07"))
    assert all(f"{marker} {name}" in lines[-1] for name, _, marker in SERIES)
    assert max(len(line) for line in lines) <= 100 and len(lines) == 22 + 1
    assert "$138k" in chart and "\x1b[" not in chart  # the revenue of each month on the axis; no colors asked
    assert "\x1b[" in terminal_chart(totals, width=100, height=22)
    assert terminal_chart(totals_of(ledger())) == ""


def test_the_png_is_a_picture_of_the_months(tmp_path):
    totals, _ = _seed()
    path = tmp_path / "pnl.png"
    save_png(totals, path)
    assert path.read_bytes()[:8] == PNG_MAGIC
    from matplotlib.image import imread

    height, width, _ = imread(path).shape
    assert width > height > 300
    with pytest.raises(UsageError, match=r"^--png .*missing/pnl.png: No such file or directory$"):
        save_png(totals, tmp_path / "missing" / "pnl.png")
