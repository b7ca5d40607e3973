"""`indexops report pnl`'s tables: the range's totals, each party's take, gas and net, each month, and a scenario
beside what happened."""

from __future__ import annotations

from rich.table import Table

from indexops.render.numbers import amount, percent, usd
from indexops.report.pnl.scenario import GasBearer, ScenarioFigures, ScenarioResult
from indexops.report.pnl.totals import Figures, PnlTotals, parties

WEI = 10**18


def render_pnl(totals: PnlTotals, scenario: ScenarioResult | None = None) -> list:
    tables: list = [summary_table(totals), parties_table(totals), months_table(totals)]
    if scenario is not None:
        tables += [scenario_table(totals, scenario), scenario_months_table(totals, scenario)]
    return tables


def pnl_json(totals: PnlTotals, scenario: ScenarioResult | None = None) -> dict:
    return {**totals.as_json(), "scenario": None if scenario is None else scenario.as_json()}


def summary_table(totals: PnlTotals) -> Table:
    w = totals.whole
    title = f"{totals.product_key} on {totals.network}, blocks {totals.from_block}..{totals.to_block}: P&L in USD"
    table = Table(title=title, show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column(justify="right")
    table.add_column(style="dim")
    table.add_row(
        "revenue",
        usd(w.revenue),
        f"streaming fees {usd(w.streaming_fees)}, issue / redeem fees {usd(w.issue_redeem_fees)}",
    )
    table.add_row("methodologist's take", usd(w.methodologist_take), "from distributions")
    table.add_row("income before overheads", usd(w.income_before_overheads), "revenue less the methodologist's take")
    table.add_row("gas", usd(w.gas), _gas_detail(w))
    table.add_row("gas / income", percent(w.gas_share_of_income), "")
    table.add_row("undistributed", usd(w.undistributed), "revenue not paid out yet (and price moves until it was)")
    table.add_row("COMP claimed", usd(w.comp_claimed), "the product's, so its holders'")
    table.add_row("protocol's share", usd(w.protocol_fees), "Set's, not revenue")
    if totals.supply:
        table.add_row("supply", amount(totals.supply), "tokens, for the per-token figures")
    return table


def _gas_detail(w: Figures) -> str:
    paid = [("operator accounts", w.operator_gas), ("keepers", w.keeper_gas), ("methodologist", w.methodologist_gas)]
    return f"{amount(w.gas_wei / WEI, 6)} ETH: " + ", ".join(f"{who} {usd(value)}" for who, value in paid if value)


def parties_table(totals: PnlTotals) -> Table:
    table = Table(title="each party", title_justify="left")
    for name in ("party", "take", "gas", "net"):
        table.add_column(name, justify="left" if name == "party" else "right")
    for line in parties(totals.whole):
        table.add_row(line.party, usd(line.take), usd(line.gas), usd(line.net))
    return table


MONTH_COLUMNS = (
    "month",
    "revenue",
    "operator's take",
    "methodologist's take",
    "undistributed",
    "COMP",
    "gas",
    "gas / income",
    "operator net",
    "methodologist net",
)


def months_table(totals: PnlTotals) -> Table:
    table = Table(title="each UTC month", title_justify="left")
    for name in MONTH_COLUMNS:
        table.add_column(name, justify="left" if name == "month" else "right")
    for month in totals.months:
        table.add_row(month.month, *_month_cells(month.figures))
    table.add_section()
    table.add_row("total", *_month_cells(totals.whole), style="bold")
    return table


def _month_cells(f: Figures) -> list[str]:
    values = [f.revenue, f.operator_take, f.methodologist_take, f.undistributed, f.comp_claimed, f.gas]
    return [*map(usd, values), percent(f.gas_share_of_income), usd(f.operator_net), usd(f.methodologist_net)]


def scenario_table(totals: PnlTotals, scenario: ScenarioResult) -> Table:
    a, s = totals.whole, scenario.whole
    table = Table(title=f"as it was, and under {scenario.arrangement}", title_justify="left")
    for name in ("", "as it was", "scenario", "change"):
        table.add_column(name, justify="left" if not name else "right", style="bold" if not name else None)
    rows: list[tuple[str, float | None, float | None]] = [
        ("revenue to the operator", a.operator_take, s.operator_revenue),
        ("revenue to the methodologist", a.methodologist_take, s.methodologist_revenue),
        ("undistributed", a.undistributed, 0.0),
        ("gas paid by the operator", a.operator_gas + a.keeper_gas, s.operator_gas),
        ("gas paid by the methodologist", a.methodologist_gas, s.methodologist_gas),
        ("gas borne by the holders", 0.0, s.holders_gas),
        ("gas paid with COMP", 0.0, s.comp_for_gas),
        ("operator net", a.operator_net, s.operator_net),
        ("methodologist net", a.methodologist_net, s.methodologist_net),
    ]
    for label, actual, changed in rows:
        table.add_row(label, usd(actual), usd(changed), _change(actual, changed))
    table.add_row("gas / income", percent(a.gas_share_of_income), percent(s.gas_share_of_income), "")
    if scenario.arrangement.gas is GasBearer.HOLDERS:
        per_token = s.holders_gas_per_token
        table.add_row("holders' gas per token", "", usd(per_token) if per_token is not None else "no supply", "")
    if scenario.arrangement.gas is GasBearer.COMP:
        table.add_row(
            "COMP left to the holders",
            usd(a.comp_claimed),
            usd(s.comp_left_to_holders),
            _change(a.comp_claimed, s.comp_left_to_holders),
        )
    table.caption = "the scenario splits all revenue as if it had been distributed when earned"
    return table


def _change(actual: float | None, changed: float | None) -> str:
    if actual is None or changed is None:
        return ""
    difference = changed - actual
    return "" if abs(difference) < 0.005 else ("+" if difference > 0 else "-") + usd(abs(difference))


def scenario_months_table(totals: PnlTotals, scenario: ScenarioResult) -> Table:
    table = Table(title=f"each UTC month, as it was -> {scenario.arrangement}", title_justify="left")
    for name in ("month", "operator net", "methodologist net", "holders' gas"):
        table.add_column(name, justify="left" if name == "month" else "right")
    for month, (_, changed) in zip(totals.months, scenario.months, strict=True):
        table.add_row(month.month, *_scenario_cells(month.figures, changed))
    table.add_section()
    table.add_row("total", *_scenario_cells(totals.whole, scenario.whole), style="bold")
    return table


def _scenario_cells(actual: Figures, changed: ScenarioFigures) -> list[str]:
    return [
        f"{usd(actual.operator_net)} -> {usd(changed.operator_net)}",
        f"{usd(actual.methodologist_net)} -> {usd(changed.methodologist_net)}",
        usd(changed.holders_gas),
    ]
