"""A second rebalance right after the first, on the same chain: its first chunks wait for GIM's cool-off."""

from __future__ import annotations

import json

import pytest

from indexops.plans import load_plan
from tests.execution.test_execute import execute_args, gim_events, make_plan

pytestmark = pytest.mark.chain

DPI_WEIGHTS = {"UNI": 0.24, "AAVE": 0.17, "MKR": 0.15, "SNX": 0.08, "COMP": 0.07, "YFI": 0.06, "SUSHI": 0.05,
               "LRC": 0.05, "1INCH": 0.04, "BAL": 0.04, "REN": 0.02, "KNC": 0.02, "WETH": 0.01}


def targets_selling(symbol: str, buying: str) -> str:
    """DPI's weights with two points of `symbol` moved to `buying`, as a targets CSV."""
    weights = {**DPI_WEIGHTS, symbol: DPI_WEIGHTS[symbol] - 0.02, buying: DPI_WEIGHTS[buying] + 0.02}
    return "symbol,weight\n" + "".join(f"{s},{w:.2f}\n" for s, w in weights.items())


def test_a_second_rebalance_waits_for_the_cool_offs_of_the_first(cli, sandbox, w3, book, real, tmp_path):
    journal = tmp_path / "journal.sqlite3"
    first = make_plan(cli, tmp_path, "dpi", "--gas-price", "30", name="first.json")
    assert cli(*execute_args(first, journal, "--account", "1", "--trader", "3", "--warp")).code == 0
    traded_first = len(gim_events(real, book, "TradeExecuted"))
    last_traded = next(s.component for s in reversed(load_plan(first).steps) if s.phase == "trade")

    targets = tmp_path / "targets.csv"
    targets.write_text(targets_selling(last_traded, "WETH" if last_traded != "WETH" else "UNI"))
    second = make_plan(cli, tmp_path, "dpi", "--gas-price", "30", "--targets", targets, name="second.json")
    plan = load_plan(second)
    recent = next(s for s in plan.steps if s.phase == "trade" and s.component == last_traded)
    assert (recent.chunk or 1) == 1  # its first chunk, seconds after the first rebalance traded it
    result = cli(*execute_args(second, journal, "--account", "1", "--trader", "3", "--warp", "--json"))
    assert result.code == 0, result.err
    events = [json.loads(line) for line in result.out.splitlines()]
    assert [e["event"] for e in events].count("mined") == len(plan.steps)
    assert recent.index in {e["step"] for e in events if e["event"] == "warped"}  # waited for GIM's cool-off
    trades = sum(1 for s in plan.steps if s.phase == "trade")
    assert len(gim_events(real, book, "TradeExecuted")) == traded_first + trades
