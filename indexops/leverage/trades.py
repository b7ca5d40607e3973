"""What one lever or delever call sends to the CompoundLeverageModule, and where it leaves the position.

`lever_trade` is `_lever` (chunk / supply as collateral units, `_calculateBorrowUnits`,
`_calculateMinCollateralReceiveUnits`), `delever_trade` is `_delever` (`_calculateMinRepayUnits`) and
`delever_to_zero_trade` is `_deleverToZeroBorrowBalance` (the whole total x (1 + slippage), uncapped).
The module multiplies the per-set units back by the supply and reverts "Quantity is 0" on nothing to send.

The position after a trade (`Trade.collateral_after`, `borrow_after`, `expected_ratio`) assumes the
trade fills at the oracle prices with no protocol fee: it is what the strategy aimed at, not a quote.
A redeem that would leave the debt above the collateral's borrow limit before the repay (Compound's
own check, here with the strategy's oracle prices) is refused as Compound refuses it.
"""

from __future__ import annotations

from dataclasses import dataclass

from indexops.leverage.chunks import ChunkNotional, borrow_units, collateral_units
from indexops.leverage.errors import Reverts
from indexops.leverage.precise import PRECISE_UNIT, add, precise_div, precise_mul, sub
from indexops.leverage.ratio import current_leverage_ratio
from indexops.leverage.state import LeverageState

QUANTITY_IS_ZERO = "Quantity is 0"
REDEEM_FAILED = "Redeem underlying failed"


@dataclass(frozen=True, slots=True)
class Trade:
    """One lever or delever: the sizes the strategy computes and the module acts on.

    collateral_notional: the chunk in collateral base units; total_notional: the whole way to the aimed ratio.
    send_units / min_receive_units: the per-set arguments of lever/delever (borrow units when levering,
    collateral units when delevering). send_notional / min_receive_notional: those times the supply,
    what is borrowed (or redeemed) and the least the trade may return, in the sold / bought asset's base units.
    """

    is_lever: bool
    to_zero: bool
    collateral_notional: int
    total_notional: int
    send_units: int
    min_receive_units: int
    send_notional: int
    min_receive_notional: int
    expected_receive_notional: int
    collateral_after: int
    borrow_after: int
    expected_ratio: int

    @property
    def sell_asset(self) -> str:
        return "borrow" if self.is_lever else "collateral"


def _after(state: LeverageState, collateral: int, borrow: int) -> int:
    """The ratio of a position at the state's prices; 0 if it would have no equity left (an expectation only)."""
    collateral_value = precise_mul(state.collateral_price, collateral)
    borrow_value = precise_mul(state.borrow_price, borrow)
    if borrow_value >= collateral_value:
        return 0
    return current_leverage_ratio(collateral_value, borrow_value)


def lever_trade(state: LeverageState, chunk: ChunkNotional, slippage_tolerance: int) -> Trade:
    """`_lever(leverageInfo, chunk)`: borrow, buy collateral, supply it."""
    units = precise_div(chunk.chunk, state.set_total_supply)
    borrow = borrow_units(units, state)
    min_receive = precise_mul(units, sub(PRECISE_UNIT, slippage_tolerance))
    send_notional = precise_mul(borrow, state.set_total_supply)
    if send_notional == 0:
        raise Reverts(QUANTITY_IS_ZERO)
    bought = collateral_units(send_notional, state)
    collateral_after = add(state.collateral_balance, bought)
    borrow_after = add(state.borrow_balance, send_notional)
    return Trade(
        is_lever=True,
        to_zero=False,
        collateral_notional=chunk.chunk,
        total_notional=chunk.total,
        send_units=borrow,
        min_receive_units=min_receive,
        send_notional=send_notional,
        min_receive_notional=precise_mul(min_receive, state.set_total_supply),
        expected_receive_notional=bought,
        collateral_after=collateral_after,
        borrow_after=borrow_after,
        expected_ratio=_after(state, collateral_after, borrow_after),
    )


def _check_redeem(state: LeverageState, redeem: int) -> None:
    """Compound lets the redeem through only if the rest still covers the debt at the collateral factor."""
    if redeem > state.collateral_balance:
        raise Reverts(REDEEM_FAILED)
    left = precise_mul(state.collateral_price, state.collateral_balance - redeem)
    if precise_mul(left, state.collateral_factor) < state.borrow_value:
        raise Reverts(REDEEM_FAILED)


def delever_trade(state: LeverageState, chunk: ChunkNotional, slippage_tolerance: int) -> Trade:
    """`_delever(leverageInfo, chunk)`: redeem collateral, sell it for the borrow asset, repay."""
    units = precise_div(chunk.chunk, state.set_total_supply)
    min_repay = precise_mul(
        precise_div(precise_mul(units, state.collateral_price), state.borrow_price),
        sub(PRECISE_UNIT, slippage_tolerance),
    )
    send_notional = precise_mul(units, state.set_total_supply)
    if send_notional == 0:
        raise Reverts(QUANTITY_IS_ZERO)
    _check_redeem(state, send_notional)
    repaid = borrow_units(send_notional, state)
    collateral_after = state.collateral_balance - send_notional
    borrow_after = state.borrow_balance - min(repaid, state.borrow_balance)
    return Trade(
        is_lever=False,
        to_zero=False,
        collateral_notional=chunk.chunk,
        total_notional=chunk.total,
        send_units=units,
        min_receive_units=min_repay,
        send_notional=send_notional,
        min_receive_notional=precise_mul(min_repay, state.set_total_supply),
        expected_receive_notional=repaid,
        collateral_after=collateral_after,
        borrow_after=borrow_after,
        expected_ratio=_after(state, collateral_after, borrow_after),
    )


def delever_to_zero_trade(state: LeverageState, chunk: ChunkNotional, slippage_tolerance: int) -> Trade:
    """`_deleverToZeroBorrowBalance(leverageInfo, total)`: redeem total x (1 + slippage), repay the whole debt.

    Neither the borrow headroom nor the trade size caps this redeem, which is why the last disengage can
    fail "Redeem underlying failed"; a smaller twapMaxTradeSize makes that step an ordinary delever instead.
    """
    units = precise_div(precise_mul(chunk.total, add(PRECISE_UNIT, slippage_tolerance)), state.set_total_supply)
    send_notional = precise_mul(units, state.set_total_supply)
    if send_notional == 0:
        raise Reverts(QUANTITY_IS_ZERO)
    _check_redeem(state, send_notional)
    collateral_after = state.collateral_balance - send_notional
    return Trade(
        is_lever=False,
        to_zero=True,
        collateral_notional=chunk.total,
        total_notional=chunk.total,
        send_units=units,
        min_receive_units=0,
        send_notional=send_notional,
        min_receive_notional=state.borrow_balance,
        expected_receive_notional=borrow_units(send_notional, state),
        collateral_after=collateral_after,
        borrow_after=0,
        expected_ratio=PRECISE_UNIT if collateral_after else 0,
    )
