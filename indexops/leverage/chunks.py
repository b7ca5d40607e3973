"""Chunk sizing: how much one call trades, as `_calculateChunkRebalanceNotional` sizes it.

A call aims at a new ratio; the total to trade is |new - current| / current of the collateral balance,
and one chunk is the least of that total, the Compound borrow headroom (`_calculateMaxBorrowCollateral`,
which keeps `unutilizedLeveragePercentage` of the net borrow limit unused) and the exchange's
`twapMaxTradeSize` (`incentivizedTwapMaxTradeSize` for a ripcord). All in collateral base units.
`chunk_rebalance_notional` answers `getChunkRebalanceNotional(names)`, with its own choice of target.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from indexops.leverage.precise import PRECISE_UNIT, precise_div, precise_mul, sub
from indexops.leverage.ratio import leverage_ratio, new_leverage_ratio
from indexops.leverage.settings import Exchanges, LeverageSettings, exchange_settings
from indexops.leverage.state import LeverageState


@dataclass(frozen=True, slots=True)
class ChunkNotional:
    """One call's sizes in collateral base units: this chunk, the whole way to the new ratio, the borrow cap."""

    chunk: int
    total: int
    max_borrow: int
    max_trade_size: int

    @property
    def is_twap(self) -> bool:
        """The chunk is not the whole way: the contract stores the new ratio and a TWAP follows."""
        return self.chunk < self.total

    @property
    def capped_by(self) -> str:
        """What set the chunk's size: "total", "borrow limit" or "trade size"."""
        if self.chunk == self.total:
            return "total"
        return "borrow limit" if self.chunk == self.max_borrow else "trade size"


def max_borrow_collateral(state: LeverageState, unutilized_leverage_percentage: int, is_lever: bool) -> int:
    """`_calculateMaxBorrowCollateral`: the borrow (lever) or repay (delever) headroom, in collateral base units.

    net borrow limit = collateral value x collateral factor x (1 - unutilized %);
    lever: (limit - borrow value) / collateral price; delever: collateral balance x (limit - borrow value) / limit.
    Both revert (SafeMath) once the borrow value is above the net limit.
    """
    net_borrow_limit = precise_mul(
        precise_mul(state.collateral_value, state.collateral_factor), sub(PRECISE_UNIT, unutilized_leverage_percentage)
    )
    headroom = sub(net_borrow_limit, state.borrow_value)
    if is_lever:
        return precise_div(headroom, state.collateral_price)
    return precise_div(precise_mul(state.collateral_balance, headroom), net_borrow_limit)


def rebalance_notional(
    state: LeverageState,
    current_ratio: int,
    new_ratio: int,
    is_lever: bool,
    max_trade_size: int,
    unutilized_leverage_percentage: int,
) -> ChunkNotional:
    """`_calculateChunkRebalanceNotional(leverageInfo, newRatio, isLever)`."""
    difference = sub(new_ratio, current_ratio) if is_lever else sub(current_ratio, new_ratio)
    total = precise_mul(precise_div(difference, current_ratio), state.collateral_balance)
    max_borrow = max_borrow_collateral(state, unutilized_leverage_percentage, is_lever)
    return ChunkNotional(
        chunk=min(max_borrow, total, max_trade_size), total=total, max_borrow=max_borrow, max_trade_size=max_trade_size
    )


def borrow_units(collateral_amount: int, state: LeverageState) -> int:
    """`_calculateBorrowUnits`: a collateral amount (units or notional) in borrow-asset base units at oracle prices."""
    return precise_div(precise_mul(collateral_amount, state.collateral_price), state.borrow_price)


def collateral_units(borrow_amount: int, state: LeverageState) -> int:
    """The inverse of `borrow_units`: a borrow-asset amount in collateral base units at oracle prices."""
    return precise_div(precise_mul(borrow_amount, state.borrow_price), state.collateral_price)


@dataclass(frozen=True, slots=True)
class ChunkSizes:
    """`getChunkRebalanceNotional(names)`: sizes in the asset that would be sold, per exchange asked about."""

    sizes: tuple[tuple[str, int], ...]
    is_lever: bool
    is_ripcord: bool
    current_ratio: int
    new_ratio: int

    @property
    def sell_asset(self) -> str:
        """ "borrow" when levering (borrowed asset sold for collateral), else "collateral"."""
        return "borrow" if self.is_lever else "collateral"

    @property
    def buy_asset(self) -> str:
        return "collateral" if self.is_lever else "borrow"

    def size(self, name: str) -> int:
        return dict(self.sizes)[name]


def chunk_rebalance_notional(
    state: LeverageState, settings: LeverageSettings, exchanges: Exchanges, names: Iterable[str]
) -> ChunkSizes:
    """What `getChunkRebalanceNotional(names)` returns for this state.

    Its target: the maximum ratio when strictly above the ripcord ratio (note `>`, where ripcord and
    shouldRebalance use `>=`), else the stored TWAP ratio, else the recentred ratio. It checks no
    timestamp, nor whether a borrow exists: with no debt it still sizes a lever from 1x.
    """
    methodology, incentive = settings.methodology, settings.incentive
    current = leverage_ratio(state)
    is_ripcord = current > incentive.incentivized_leverage_ratio
    if is_ripcord:
        new = methodology.max_leverage_ratio
    elif state.twap_leverage_ratio > 0:
        new = state.twap_leverage_ratio
    else:
        new = new_leverage_ratio(current, methodology)
    is_lever = new > current
    sizes = []
    for name in names:
        exchange = exchange_settings(exchanges, name)
        cap = exchange.incentivized_twap_max_trade_size if is_ripcord else exchange.twap_max_trade_size
        notional = rebalance_notional(
            state, current, new, is_lever, cap, settings.execution.unutilized_leverage_percentage
        ).chunk
        sizes.append((name, borrow_units(notional, state) if is_lever else notional))
    return ChunkSizes(
        sizes=tuple(sizes), is_lever=is_lever, is_ripcord=is_ripcord, current_ratio=current, new_ratio=new
    )
