"""`indexops report pnl --csv`: one row per month per party, USD.

Columns: view (`actual`, or `scenario` under --scenario), month (UTC, YYYY-MM), party, take_usd, gas_usd,
net_usd. The actual's parties are the operator, the methodologist, the protocol, `undistributed` (revenue not
paid out yet) and the holders (the COMP the product claimed), so a month's takes add up to its revenue, the
protocol's share and the COMP, and its gas to the gas paid. The scenario's are the operator, the methodologist
and the holders (who take the COMP and bear the gas it paid, or all of it under gas=holders).
"""

from __future__ import annotations

import csv
from typing import TextIO

from indexops.report.pnl.scenario import ScenarioResult, scenario_parties
from indexops.report.pnl.totals import PartyLine, PnlTotals, parties

HEADER = ("view", "month", "party", "take_usd", "gas_usd", "net_usd")


def write_pnl_csv(out: TextIO, totals: PnlTotals, scenario: ScenarioResult | None = None) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for month in totals.months:
        writer.writerows(_rows("actual", month.month, parties(month.figures)))
    if scenario is not None:
        for month_name, figures in scenario.months:
            writer.writerows(_rows("scenario", month_name, scenario_parties(figures)))


def _rows(view: str, month: str, lines: tuple[PartyLine, ...]) -> list[tuple[str, ...]]:
    return [(view, month, line.party, _cents(line.take), _cents(line.gas), _cents(line.net)) for line in lines]


def _cents(value: float) -> str:
    return f"{value:.2f}"
