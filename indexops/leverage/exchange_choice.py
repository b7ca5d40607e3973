"""Which enabled exchange a keeper's call trades on: the cheapest per unit of collateral moved, net of gas.

For each exchange whose call would go through, the venue's quote for the call's trade against the oracle
prices is what the trade costs (pool fees and impact); the call's gas at the base fee, in USD, is added;
the sum is divided by the collateral the chunk moves. An exchange quoted below the trade's minimum receive
would revert on slippage and is out. Exchanges without a quote are not compared: with fewer than two
quoted, the verdict's choice (the largest chunk) stands.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from fractions import Fraction

from indexops.leverage.precise import PRECISE_UNIT, precise_mul
from indexops.leverage.state import LeverageState
from indexops.leverage.verdict import ExchangeOption, Verdict


@dataclass(frozen=True, slots=True)
class ExchangeCost:
    """One exchange's price for the call: what it would give, and the trade's cost plus gas, USD (precise)."""

    exchange: str
    receive: int  # base units of the bought asset
    min_receive: int
    cost_usd: int

    @property
    def fills(self) -> bool:
        return self.receive >= self.min_receive


def exchange_costs(
    options: tuple[ExchangeOption, ...], quotes: Mapping[str, int | None], state: LeverageState, gas_usd: int
) -> list[ExchangeCost]:
    """The quoted options' costs, in the options' order."""
    costs = []
    for option in options:
        plan = option.check.plan
        received = quotes.get(option.exchange)
        if not option.ok or plan is None or plan.trade is None or received is None:
            continue
        trade = plan.trade
        sell_price, buy_price = (
            (state.borrow_price, state.collateral_price)
            if trade.is_lever
            else (state.collateral_price, state.borrow_price)
        )
        shortfall = precise_mul(sell_price, trade.send_notional) - precise_mul(buy_price, received)
        costs.append(ExchangeCost(option.exchange, received, trade.min_receive_notional, shortfall + gas_usd))
    return costs


def cheapest(verdict: Verdict, costs: list[ExchangeCost]) -> Verdict:
    """The verdict on the exchange with the least cost per collateral unit moved among those that fill."""
    sizes = {option.exchange: option.size for option in verdict.options}
    filling = [cost for cost in costs if cost.fills and sizes.get(cost.exchange, 0) > 0]
    if len(costs) < 2 or not filling:
        return verdict
    best = min(filling, key=lambda cost: Fraction(cost.cost_usd, sizes[cost.exchange]))
    if best.exchange == verdict.exchange:
        return verdict
    option = next(option for option in verdict.options if option.exchange == best.exchange)
    plan = option.check.plan
    assert plan is not None
    return replace(verdict, exchange=best.exchange, plan=plan, target_ratio=plan.new_ratio)


def gas_in_usd(gas: int, base_fee: int, eth_usd: int | None) -> int:
    """USD (precise) of `gas` at `base_fee` wei per gas, 0 when the ETH price is unknown."""
    return 0 if eth_usd is None else gas * base_fee * eth_usd // PRECISE_UNIT
