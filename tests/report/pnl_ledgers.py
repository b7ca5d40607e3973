"""Ledgers for the P&L report's pure tests: hand-made entries, the issue's ETH2x-FLI history, and hypothesis's."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import strategies as st

from indexops.report.pnl.ledger import EntryKind, Ledger, LedgerEntry, Party

GENESIS = int(datetime(2021, 3, 1, tzinfo=UTC).timestamp())  # blocks count seconds from here, one per 13 s
DECIMALS = {"ETH2x-FLI": 18, "COMP": 18, "ETH": 18}
TOKEN = {EntryKind.COMP_CLAIMED: "COMP", EntryKind.GAS: "ETH"}


def at(day: str) -> int:
    return int(datetime.fromisoformat(day).replace(tzinfo=UTC).timestamp())


def entry(kind: EntryKind, usd: float, when: int | str = "2021-07-15", party: Party | None = None,
          amount: int | None = None) -> LedgerEntry:  # fmt: skip
    timestamp = at(when) if isinstance(when, str) else when
    token = TOKEN.get(kind, "ETH2x-FLI")
    return LedgerEntry(
        kind=kind,
        block=(timestamp - GENESIS) // 13,
        timestamp=timestamp,
        tx_hash=f"0x{timestamp:064x}",
        amount=amount if amount is not None else round(usd * 10**16),
        token=token,
        decimals=DECIMALS[token],
        usd=usd,
        party=party,
        account=None,
    )


def ledger(*entries: LedgerEntry, supply: float | None = None) -> Ledger:
    ordered = tuple(sorted(entries, key=lambda e: e.block))
    blocks = [e.block for e in ordered] or [0]
    return Ledger("eth2x-fli", "mainnet", min(blocks), max(blocks), ordered, supply=supply)


# The figures of the FLI fee debate, ETH2x-FLI from launch (March 2021) to the end of July 2021, spread evenly
# over the five months: revenue 690 k USD, the methodologist's take 271 k, rebalancing gas 147 k.
SEED_MONTHS = ("2021-03-20", "2021-04-20", "2021-05-20", "2021-06-20", "2021-07-20")
SEED_REVENUE, SEED_METHODOLOGIST, SEED_GAS = 690_000.0, 271_000.0, 147_000.0
SEED_PER_TOKEN = 0.18  # USD per token if the holders bore the gas
SEED_TOKENS = SEED_GAS / SEED_PER_TOKEN  # what that figure implies: 816,667 tokens


def seed_history(methodologist: float = SEED_METHODOLOGIST, supply: float | None = None) -> Ledger:
    share = 1 / len(SEED_MONTHS)
    entries = []
    for day in SEED_MONTHS:
        entries += [
            entry(EntryKind.STREAMING_FEE, SEED_REVENUE * share * 0.9, day),
            entry(EntryKind.ISSUE_FEE, SEED_REVENUE * share * 0.06, day),
            entry(EntryKind.REDEEM_FEE, SEED_REVENUE * share * 0.04, day),
            entry(EntryKind.DISTRIBUTION, methodologist * share, day, Party.METHODOLOGIST),
            entry(EntryKind.DISTRIBUTION, (SEED_REVENUE - methodologist) * share, day, Party.OPERATOR),
            entry(EntryKind.GAS, SEED_GAS * share * 0.8, day, Party.KEEPER),
            entry(EntryKind.GAS, SEED_GAS * share * 0.2, day, Party.OPERATOR),
        ]
    return ledger(*entries, supply=supply)


_USD = st.floats(0, 1e7, allow_nan=False, allow_infinity=False).map(lambda x: round(x, 2))
_WHEN = st.integers(GENESIS, at("2022-12-31"))
_PARTIES = {
    EntryKind.STREAMING_FEE: st.sampled_from([None, Party.PROTOCOL]),
    EntryKind.ISSUE_FEE: st.sampled_from([None, Party.PROTOCOL]),
    EntryKind.REDEEM_FEE: st.just(None),
    EntryKind.DISTRIBUTION: st.sampled_from([Party.OPERATOR, Party.METHODOLOGIST, Party.PROTOCOL]),
    EntryKind.COMP_CLAIMED: st.just(None),
    EntryKind.GAS: st.sampled_from([Party.OPERATOR, Party.KEEPER, Party.METHODOLOGIST]),
}


@st.composite
def entries(draw) -> LedgerEntry:
    kind = draw(st.sampled_from(list(EntryKind)))
    return entry(kind, draw(_USD), draw(_WHEN), draw(_PARTIES[kind]), draw(st.integers(0, 10**24)))


ledgers = st.builds(
    lambda listed, supply: ledger(*listed, supply=supply),
    st.lists(entries(), max_size=60),
    st.one_of(st.none(), st.floats(1, 1e8)),
)
