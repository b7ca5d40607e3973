"""A product's P&L from its ledger: the whole range and each UTC calendar month, in USD at each entry's block.

How the entries count:
- revenue: streaming fees and issue / redeem fees. One of those whose party is the protocol is Set's share:
  shown apart, never revenue.
- takes: distributions, by receiver; what revenue has not been distributed yet is undistributed (per month,
  how the pot changed: negative in a month that pays out fees accrued before it). Takes are priced when paid,
  revenue when earned, so undistributed also holds the price move in between.
- COMP claimed: the product's, so its holders': in no party's net.
- gas: by the payer's role: operator and keeper accounts are the operator's cost, a methodologist's account
  the methodologist's.
- income before overheads is revenue less the methodologist's take; gas is shown as a share of it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import UTC, datetime

from indexops.report.pnl.ledger import EntryKind, Ledger, LedgerEntry, Party

REVENUE_KINDS = (EntryKind.STREAMING_FEE, EntryKind.ISSUE_FEE, EntryKind.REDEEM_FEE)


def share_of_income(gas: float, income: float) -> float | None:
    """Gas as a share of income before overheads; none without income."""
    return gas / income if income > 0 else None


@dataclass(frozen=True, slots=True)
class Figures:
    """One period's sums in USD (gas also in wei); what follows from them are properties."""

    streaming_fees: float = 0.0
    issue_redeem_fees: float = 0.0
    protocol_fees: float = 0.0
    operator_take: float = 0.0
    methodologist_take: float = 0.0
    comp_claimed: float = 0.0
    operator_gas: float = 0.0  # paid by the operator's own accounts
    keeper_gas: float = 0.0  # paid by keeper accounts, on the operator's behalf
    methodologist_gas: float = 0.0
    gas_wei: int = 0

    @property
    def revenue(self) -> float:
        return self.streaming_fees + self.issue_redeem_fees

    @property
    def undistributed(self) -> float:
        return self.revenue - self.operator_take - self.methodologist_take

    @property
    def gas(self) -> float:
        return self.operator_gas + self.keeper_gas + self.methodologist_gas

    @property
    def income_before_overheads(self) -> float:
        return self.revenue - self.methodologist_take

    @property
    def gas_share_of_income(self) -> float | None:
        return share_of_income(self.gas, self.income_before_overheads)

    @property
    def operator_net(self) -> float:
        return self.operator_take - self.operator_gas - self.keeper_gas

    @property
    def methodologist_net(self) -> float:
        return self.methodologist_take - self.methodologist_gas

    def as_json(self) -> dict:
        sums = {field.name: getattr(self, field.name) for field in fields(self)}
        derived = ("revenue", "undistributed", "gas", "income_before_overheads", "gas_share_of_income")
        return {
            **sums,
            **{name: getattr(self, name) for name in derived},
            "operator_net": self.operator_net,
            "methodologist_net": self.methodologist_net,
        }


@dataclass(frozen=True, slots=True)
class PartyLine:
    """One party's row: what it took, the gas it paid, its net."""

    party: str  # operator, methodologist, protocol, undistributed, holders
    take: float
    gas: float

    @property
    def net(self) -> float:
        return self.take - self.gas


@dataclass(frozen=True, slots=True)
class Month:
    month: str  # "2021-07", UTC
    figures: Figures


@dataclass(frozen=True, slots=True)
class PnlTotals:
    product_key: str
    network: str
    from_block: int
    to_block: int
    whole: Figures
    months: tuple[Month, ...]  # calendar order, only months with entries
    supply: float | None  # tokens, as the ledger gives it

    def as_json(self) -> dict:
        return {
            "product": self.product_key,
            "network": self.network,
            "from_block": self.from_block,
            "to_block": self.to_block,
            "supply": self.supply,
            "totals": self.whole.as_json(),
            "parties": [_line_json(line) for line in parties(self.whole)],
            "months": [{"month": m.month, **m.figures.as_json()} for m in self.months],
        }


def month_of(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, tz=UTC).strftime("%Y-%m")


def totals_of(ledger: Ledger) -> PnlTotals:
    by_month: dict[str, list[LedgerEntry]] = {}
    for entry in ledger.entries:
        by_month.setdefault(month_of(entry.timestamp), []).append(entry)
    return PnlTotals(
        product_key=ledger.product_key,
        network=ledger.network,
        from_block=ledger.from_block,
        to_block=ledger.to_block,
        whole=figures_of(ledger.entries),
        months=tuple(Month(month, figures_of(entries)) for month, entries in sorted(by_month.items())),
        supply=ledger.supply,
    )


def figures_of(entries: Iterable[LedgerEntry]) -> Figures:
    sums: dict[str, list[float]] = {field.name: [] for field in fields(Figures) if field.name != "gas_wei"}
    gas_wei = 0
    for entry in entries:
        sums[_column(entry)].append(entry.usd)
        if entry.kind is EntryKind.GAS:
            gas_wei += entry.amount
    return Figures(**{name: math.fsum(values) for name, values in sums.items()}, gas_wei=gas_wei)


def _column(entry: LedgerEntry) -> str:
    if entry.kind in REVENUE_KINDS:
        if entry.party is Party.PROTOCOL:
            return "protocol_fees"
        return "streaming_fees" if entry.kind is EntryKind.STREAMING_FEE else "issue_redeem_fees"
    if entry.kind is EntryKind.DISTRIBUTION:
        if entry.party is Party.PROTOCOL:
            return "protocol_fees"
        return "methodologist_take" if entry.party is Party.METHODOLOGIST else "operator_take"
    if entry.kind is EntryKind.COMP_CLAIMED:
        return "comp_claimed"
    if entry.party is Party.METHODOLOGIST:
        return "methodologist_gas"
    return "keeper_gas" if entry.party is Party.KEEPER else "operator_gas"


def parties(figures: Figures) -> tuple[PartyLine, ...]:
    """Every dollar of the period on one row: the parties' takes and gas, the protocol's share, what is not
    distributed yet, and the holders' COMP."""
    return (
        PartyLine("operator", figures.operator_take, figures.operator_gas + figures.keeper_gas),
        PartyLine("methodologist", figures.methodologist_take, figures.methodologist_gas),
        PartyLine("protocol", figures.protocol_fees, 0.0),
        PartyLine("undistributed", figures.undistributed, 0.0),
        PartyLine("holders", figures.comp_claimed, 0.0),
    )


def _line_json(line: PartyLine) -> dict:
    return {"party": line.party, "take": line.take, "gas": line.gas, "net": line.net}
