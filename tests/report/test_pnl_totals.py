"""The P&L totals: every entry counted once, in its column, and the months partitioning the whole range."""

from __future__ import annotations

import math
from dataclasses import fields

from hypothesis import given, settings

from indexops.report.pnl.ledger import EntryKind, Party
from indexops.report.pnl.totals import Figures, month_of, parties, totals_of
from tests.report.pnl_ledgers import entry, ledger, ledgers

USD_FIELDS = [f.name for f in fields(Figures) if f.name != "gas_wei"]


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)


def test_each_kind_lands_in_its_column():
    history = ledger(
        entry(EntryKind.STREAMING_FEE, 100.0),
        entry(EntryKind.STREAMING_FEE, 7.0, party=Party.PROTOCOL),
        entry(EntryKind.ISSUE_FEE, 10.0),
        entry(EntryKind.REDEEM_FEE, 5.0),
        entry(EntryKind.DISTRIBUTION, 60.0, party=Party.OPERATOR),
        entry(EntryKind.DISTRIBUTION, 40.0, party=Party.METHODOLOGIST),
        entry(EntryKind.COMP_CLAIMED, 30.0),
        entry(EntryKind.GAS, 12.0, party=Party.OPERATOR, amount=4 * 10**15),
        entry(EntryKind.GAS, 8.0, party=Party.KEEPER, amount=10**15),
        entry(EntryKind.GAS, 1.0, party=Party.METHODOLOGIST, amount=10**14),
    )
    whole = totals_of(history).whole
    assert (whole.streaming_fees, whole.issue_redeem_fees, whole.protocol_fees) == (100, 15, 7)
    assert (whole.revenue, whole.operator_take, whole.methodologist_take, whole.undistributed) == (115, 60, 40, 15)
    assert (whole.comp_claimed, whole.gas, whole.gas_wei) == (30, 21, 51 * 10**14)
    assert whole.income_before_overheads == 75 and whole.gas_share_of_income == 21 / 75
    assert (whole.operator_net, whole.methodologist_net) == (40, 39)
    rows = {line.party: (line.take, line.gas, line.net) for line in parties(whole)}
    assert rows == {"operator": (60, 20, 40), "methodologist": (40, 1, 39), "protocol": (7, 0, 7),
                    "undistributed": (15, 0, 15), "holders": (30, 0, 30)}  # fmt: skip


def test_months_are_utc_calendar_months():
    assert month_of(1625097599) == "2021-06"  # 2021-06-30 23:59:59 UTC
    assert month_of(1625097600) == "2021-07"
    history = ledger(entry(EntryKind.STREAMING_FEE, 1.0, 1625097599), entry(EntryKind.STREAMING_FEE, 2.0, 1625097600))
    assert [(m.month, m.figures.revenue) for m in totals_of(history).months] == [("2021-06", 1), ("2021-07", 2)]


def test_a_month_paying_out_earlier_fees_has_negative_undistributed_and_no_income_share_without_income():
    history = ledger(
        entry(EntryKind.STREAMING_FEE, 100.0, "2021-06-10"),
        entry(EntryKind.DISTRIBUTION, 100.0, "2021-07-01", Party.METHODOLOGIST),
        entry(EntryKind.GAS, 5.0, "2021-07-01", Party.KEEPER),
    )
    june, july = (m.figures for m in totals_of(history).months)
    assert (june.undistributed, july.undistributed) == (100, -100)
    assert july.income_before_overheads == -100 and july.gas_share_of_income is None
    assert totals_of(ledger()).whole == Figures() and totals_of(ledger()).months == ()


@settings(max_examples=300, deadline=None)
@given(ledgers)
def test_the_totals_are_the_sum_of_the_entries(history):
    whole = totals_of(history).whole
    by_kind = {kind: [e for e in history.entries if e.kind is kind] for kind in EntryKind}
    fees = [e.usd for kind in (EntryKind.STREAMING_FEE, EntryKind.ISSUE_FEE, EntryKind.REDEEM_FEE)
            for e in by_kind[kind] if e.party is not Party.PROTOCOL]  # fmt: skip
    assert close(whole.revenue, math.fsum(fees))
    assert close(whole.gas, math.fsum(e.usd for e in by_kind[EntryKind.GAS]))
    assert whole.gas_wei == sum(e.amount for e in by_kind[EntryKind.GAS])
    assert close(whole.comp_claimed, math.fsum(e.usd for e in by_kind[EntryKind.COMP_CLAIMED]))
    taken = {party: math.fsum(e.usd for e in by_kind[EntryKind.DISTRIBUTION] if e.party is party) for party in Party}
    assert close(whole.methodologist_take, taken[Party.METHODOLOGIST])
    assert close(whole.operator_take, taken[Party.OPERATOR])
    # every entry counted once: the columns add up to everything the ledger priced
    assert close(math.fsum(getattr(whole, name) for name in USD_FIELDS), math.fsum(e.usd for e in history.entries))


@settings(max_examples=300, deadline=None)
@given(ledgers)
def test_the_months_partition_the_totals(history):
    totals = totals_of(history)
    months = [m.month for m in totals.months]
    assert months == sorted(set(months)) == sorted({month_of(e.timestamp) for e in history.entries})
    for name in USD_FIELDS:
        assert close(math.fsum(getattr(m.figures, name) for m in totals.months), getattr(totals.whole, name)), name
    assert sum(m.figures.gas_wei for m in totals.months) == totals.whole.gas_wei


@settings(max_examples=300, deadline=None)
@given(ledgers)
def test_the_party_rows_hold_every_dollar_and_the_nets_add_up(history):
    for figures in [totals_of(history).whole] + [m.figures for m in totals_of(history).months]:
        rows = parties(figures)
        assert close(math.fsum(r.take for r in rows), figures.revenue + figures.protocol_fees + figures.comp_claimed)
        assert close(math.fsum(r.gas for r in rows), figures.gas)
        assert close(figures.operator_net + figures.methodologist_net + figures.undistributed,
                     figures.revenue - figures.gas)  # fmt: skip
        assert close(figures.income_before_overheads - figures.operator_take, figures.undistributed)
