"""The P&L ledger: one entry per thing that moved money for a product, read from chain events and receipts and
priced in USD at the block it happened. Built by `workflows/pnl.py`; everything under `report/pnl/` reads it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class EntryKind(StrEnum):
    STREAMING_FEE = "streaming_fee"  # StreamingFeeModule.FeeActualized: the manager's sets minted (revenue)
    ISSUE_FEE = "issue_fee"  # DebtIssuanceModule.SetTokenIssued: its manager fee (revenue)
    REDEEM_FEE = "redeem_fee"  # DebtIssuanceModule.SetTokenRedeemed: its manager fee (revenue)
    DISTRIBUTION = "distribution"  # a split contract's FeesDistributed: one party's take (paid out of revenue)
    COMP_CLAIMED = "comp_claimed"  # ClaimModule.RewardClaimed: rewards the product collected
    GAS = "gas"  # a transaction's fee (gasUsed x effectiveGasPrice) paid by an operator or keeper account


class Party(StrEnum):
    OPERATOR = "operator"  # the operator (Index Coop managers) or owner (DelegatedManager)
    METHODOLOGIST = "methodologist"
    KEEPER = "keeper"  # a keeper account paying gas on the operator's behalf
    PROTOCOL = "protocol"  # Set's protocol fee share (not the product's revenue)


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    kind: EntryKind
    block: int
    timestamp: int  # the block's, seconds since the epoch (months are UTC calendar months of it)
    tx_hash: str
    amount: int  # base units of `token`: sets for fees and distributions, COMP, wei of ETH for gas
    token: str  # the token's symbol: the product's, "COMP", "ETH"
    decimals: int
    usd: float  # `amount` priced at `block` with the product's own price sources
    party: Party | None = None  # a distribution's receiver, a gas payer's role; None for revenue and rewards
    account: str | None = None  # the receiver's or payer's address, checksummed


@dataclass(frozen=True, slots=True)
class Ledger:
    product_key: str
    network: str
    from_block: int
    to_block: int
    entries: tuple[LedgerEntry, ...]  # in chain order (block, then position in the block)
    # tokens of the product the per-token figures divide by (e.g. its time-weighted average supply over the
    # range), None when the reader does not give it
    supply: float | None = None
