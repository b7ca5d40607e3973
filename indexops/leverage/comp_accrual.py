"""COMP a leverage token has earned but not yet been sent: Compound's Comptroller index maths, pure.

Mirrors the Comptroller's `updateCompBorrowIndex` / `distributeBorrowerComp` and `updateCompSupplyIndex` /
`distributeSupplierComp` (one COMP speed per market, `compSpeeds`): a market's index grows by
speed x blocks / (total borrows in index units, or total cToken supply) in 1e36 units, and an account
earns its amount times the index's growth since its own index. `claimComp` runs exactly this at the
block it is mined in, with the stored (not accrued) borrow index, so the result is what a claim then sends.
"""

from __future__ import annotations

from dataclasses import dataclass

EXP_SCALE = 10**18
DOUBLE_SCALE = 10**36
COMP_INITIAL_INDEX = 10**36


@dataclass(frozen=True, slots=True)
class MarketRewards:
    """One market's COMP state and one account's position in it.

    speed: compSpeeds(cToken) per block; index, index_block: compBorrowState / compSupplyState;
    account_index: compBorrowerIndex / compSupplierIndex of the account; total: totalBorrows (borrow side)
    or totalSupply (supply side); account_amount: borrowBalanceStored (borrow) or cToken balance (supply);
    borrow_index: the cToken's stored borrowIndex (borrow side only).
    """

    speed: int
    index: int
    index_block: int
    account_index: int
    total: int
    account_amount: int
    borrow_index: int = EXP_SCALE


def _grown_index(market: MarketRewards, total_in_index_units: int, block: int) -> int:
    blocks = block - market.index_block
    if blocks <= 0 or market.speed == 0:
        return market.index
    accrued = blocks * market.speed
    ratio = accrued * DOUBLE_SCALE // total_in_index_units if total_in_index_units > 0 else 0
    return market.index + ratio


def borrower_comp(market: MarketRewards, block: int) -> int:
    """COMP the borrower earns in this market up to `block` (nothing before its index is first set)."""
    if market.account_index == 0:
        return 0
    index = _grown_index(market, market.total * EXP_SCALE // market.borrow_index, block)
    amount = market.account_amount * EXP_SCALE // market.borrow_index
    return amount * (index - market.account_index) // DOUBLE_SCALE


def supplier_comp(market: MarketRewards, block: int) -> int:
    """COMP the supplier earns in this market up to `block` (an unset supplier index starts at the initial one)."""
    index = _grown_index(market, market.total, block)
    start = market.account_index if market.account_index > 0 else (COMP_INITIAL_INDEX if index > 0 else 0)
    return market.account_amount * (index - start) // DOUBLE_SCALE


def pending_comp(
    accrued: int, block: int, borrows: tuple[MarketRewards, ...] = (), supplies: tuple[MarketRewards, ...] = ()
) -> int:
    """compAccrued plus what claiming at `block` would add from these markets."""
    return accrued + sum(borrower_comp(m, block) for m in borrows) + sum(supplier_comp(m, block) for m in supplies)
