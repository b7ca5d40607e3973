"""A whole rebalance, planned: target units, trades, each trade's chunks, and what it all costs.

Pure: it reads a Snapshot and plain policy values and returns plain data. It does not know which
route will execute the plan; the route's capabilities arrive as `RouteProfile`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from indexops.planning.amm import Pool
from indexops.planning.chunk_pricing import VenuesPerChunk
from indexops.planning.chunking import ChunkPlan, fixed_impact_baseline, plan_chunks
from indexops.planning.errors import CostsExceedValue, InvalidComponentData
from indexops.planning.targets import capped_weights, units_from_weights
from indexops.planning.trades import Trade, plan_trades
from indexops.snapshot import ComponentState, Snapshot
from indexops.valuation import eth_price_usd, price_in_weth

PRECISE_UNIT = 10**18


@dataclass(frozen=True)
class RouteProfile:
    """What the executing route can express and what one trade call costs in gas."""

    venues_per_chunk: VenuesPerChunk
    gas_per_trade: int


@dataclass(frozen=True)
class PlanningPolicy:
    slippage_bps: int
    max_chunk_impact_bps: float
    max_duration_seconds: int
    dust_usd: float
    gas_price_wei: int
    cool_off_seconds: Mapping[str, int]  # per component symbol
    venues: Mapping[str, tuple[str, ...]]  # allowed venues per component symbol; empty: all read
    weight_cap: float | None = None
    baseline_impact_bps: float = 50.0


@dataclass(frozen=True)
class ComponentTarget:
    symbol: str
    address: str
    decimals: int
    current_unit: int
    target_unit: int
    current_weight: float
    target_weight: float


@dataclass(frozen=True)
class PlannedTrade:
    trade: Trade
    address: str
    decimals: int
    cool_off: int
    chunks: ChunkPlan
    baseline: ChunkPlan


@dataclass(frozen=True)
class CostTotals:
    trades: int  # trade calls
    impact_wei: float
    fees_wei: float
    gas_wei: int
    notional_wei: int
    duration_seconds: int

    @property
    def total_wei(self) -> float:
        return self.impact_wei + self.fees_wei + self.gas_wei


@dataclass(frozen=True)
class RebalancePlan:
    targets: tuple[ComponentTarget, ...]
    trades: tuple[PlannedTrade, ...]  # sells first, then buys
    skipped: tuple[Trade, ...]  # dust
    eth_usd: float
    value_per_set_weth: float
    nav_weth: float
    totals: CostTotals
    baseline: CostTotals
    profile: RouteProfile
    gas_price_wei: int


def plan_rebalance(
    snapshot: Snapshot,
    target_weights: Mapping[str, float],
    candidates: Mapping[str, ComponentState],
    policy: PlanningPolicy,
    profile: RouteProfile,
) -> RebalancePlan:
    """Plan the trades that take `snapshot`'s set to `target_weights` at least expected cost.

    `candidates` are components the targets add (not yet in the set), with their pools read.
    """
    eth_usd = eth_price_usd(snapshot)
    if eth_usd is None:
        raise InvalidComponentData("The ETH price in USD is unknown: the pricing venue has no USD/WETH pool.")
    states = {c.symbol: c for c in snapshot.components} | dict(candidates)
    unknown = sorted(set(target_weights) - set(states))
    if unknown:
        raise InvalidComponentData(f"{', '.join(unknown)}: not in the set and not readable as a new component.")
    weights = {s: target_weights.get(s, 0.0) for s in states}
    if policy.weight_cap is not None:
        weights = capped_weights(weights, policy.weight_cap)
    planner = _Planner(snapshot, states, weights, replace(policy, weight_cap=None), profile, eth_usd)
    units, planned, skipped = planner.at_value(planner.value_per_set_weth)
    units, planned, skipped = planner.funded(units, planned, skipped)
    return RebalancePlan(
        targets=planner.targets(units),
        trades=planned,
        skipped=skipped,
        eth_usd=eth_usd,
        value_per_set_weth=planner.value_per_set_weth,
        nav_weth=planner.value_per_set_weth * snapshot.total_supply / PRECISE_UNIT,
        totals=_totals(planned, lambda p: p.chunks, policy),
        baseline=_totals(planned, lambda p: p.baseline, policy),
        profile=profile,
        gas_price_wei=policy.gas_price_wei,
    )


class _Planner:
    """The fixed inputs of one planning run, and the plan at a given value per set."""

    def __init__(self, snapshot, states, weights, policy, profile, eth_usd):
        self.snapshot, self.states, self.weights = snapshot, states, weights
        self.policy, self.profile, self.eth_usd = policy, profile, eth_usd
        self.prices = {s: _price(c, snapshot.weth) for s, c in states.items()}
        self.decimals = {s: c.decimals for s, c in states.items()}
        self.current = {c.symbol: c.unit for c in snapshot.components}
        self.weth_symbol = next((c.symbol for c in states.values() if c.address == snapshot.weth), "WETH")
        self.value_per_set_weth = sum(self.current[s] / 10 ** self.decimals[s] * self.prices[s] for s in self.current)

    def at_value(self, value_per_set_weth: float):
        units = units_from_weights(self.weights, self.prices, self.decimals, value_per_set_weth, self.policy.weight_cap)
        trades = plan_trades(
            self.current,
            units,
            self.snapshot.total_supply,
            self.prices,
            self.decimals,
            dust_threshold=self.policy.dust_usd,
            dust_currency="USD",
            eth_price_usd=self.eth_usd,
            weth_available_wei=self.states[self.weth_symbol].balance if self.weth_symbol in self.states else 0,
            balances={s: c.balance for s, c in self.states.items()},
            quote=self.weth_symbol,
        )
        return units, tuple(self._chunked(trade) for trade in trades.trades), trades.dust

    def funded(self, units, planned, skipped):
        """Make the targets payable: trading costs come out of the set's value.

        They are taken from the WETH target when it is large enough (no extra trades), otherwise
        every target is scaled down to the value left after the costs.
        """
        supply = self.snapshot.total_supply
        cost_units = (
            _totals(planned, lambda p: p.chunks, self.policy).total_wei * PRECISE_UNIT / supply if supply else 0
        )
        weth_target = units.get(self.weth_symbol, 0)
        if weth_target >= cost_units:
            return {**units, self.weth_symbol: weth_target - int(cost_units) - 1}, planned, skipped
        left = self.value_per_set_weth - cost_units / PRECISE_UNIT
        if left <= 0:
            raise CostsExceedValue(cost_units / PRECISE_UNIT, self.value_per_set_weth, self.policy.gas_price_wei)
        return self.at_value(left)

    def _chunked(self, trade: Trade) -> PlannedTrade:
        state = self.states[trade.component]
        pools = _oriented_pools(state, trade.side, self.policy.venues.get(trade.component, ()))
        cool_off = self.policy.cool_off_seconds.get(trade.component, 0)
        max_chunks = max(1, self.policy.max_duration_seconds // cool_off) if cool_off else 10_000
        common = dict(
            gas_price_wei=self.policy.gas_price_wei,
            gas_per_call=self.profile.gas_per_trade,
            slippage_bps=self.policy.slippage_bps,
        )
        return PlannedTrade(
            trade=trade,
            address=state.address,
            decimals=state.decimals,
            cool_off=cool_off,
            chunks=plan_chunks(
                trade.component,
                trade.side,
                trade.quantity,
                pools,
                max_impact_bps=self.policy.max_chunk_impact_bps,
                max_chunks=max_chunks,
                venues_per_chunk=self.profile.venues_per_chunk,
                **common,
            ),
            baseline=fixed_impact_baseline(
                trade.component, trade.side, trade.quantity, pools, impact_bps=self.policy.baseline_impact_bps, **common
            ),
        )

    def targets(self, units: Mapping[str, int]) -> tuple[ComponentTarget, ...]:
        value = self.value_per_set_weth
        rows = []
        for symbol in sorted(self.states, key=lambda s: (-self.weights[s], s)):
            current = self.current.get(symbol, 0)
            rows.append(
                ComponentTarget(
                    symbol=symbol,
                    address=self.states[symbol].address,
                    decimals=self.decimals[symbol],
                    current_unit=current,
                    target_unit=units.get(symbol, 0),
                    current_weight=current / 10 ** self.decimals[symbol] * self.prices[symbol] / value
                    if value
                    else 0.0,
                    target_weight=self.weights[symbol],
                )
            )
        return tuple(rows)


def _price(state: ComponentState, weth: str) -> float:
    price = price_in_weth(state, weth)
    if price is None:
        raise InvalidComponentData(f"{state.symbol}: no pool with liquidity to price it against WETH.")
    return price


def _oriented_pools(state: ComponentState, side: str, allowed: tuple[str, ...]) -> dict[str, Pool]:
    """The component's pools as the trade sees them: token -> WETH to sell, WETH -> token to buy.

    A Uniswap V3 pool enters as the constant-product pool of its current range's virtual reserves,
    which is exact while the price stays in that range (the sandbox's V3 pools are full range). A
    trade that would cross an initialized tick is priced as if the range went on; the Quoter check
    made after planning (`indexops.chain.quotes`) catches the difference.
    """
    pools = {}
    for reserves in state.pools:
        if allowed and reserves.venue not in allowed:
            continue
        if side == "sell":
            pools[reserves.venue] = Pool(reserves.token_reserve, reserves.weth_reserve, reserves.fee_bps)
        else:
            pools[reserves.venue] = Pool(reserves.weth_reserve, reserves.token_reserve, reserves.fee_bps)
    return pools


def _totals(planned: tuple[PlannedTrade, ...], pick, policy: PlanningPolicy) -> CostTotals:
    chunk_plans = [pick(p) for p in planned]
    rounds = [(plan.chunk_count - 1) * p.cool_off for plan, p in zip(chunk_plans, planned, strict=True)]
    return CostTotals(
        trades=sum(sum(len(c.fills) for c in plan.chunks) for plan in chunk_plans),
        impact_wei=sum(plan.impact_cost_wei for plan in chunk_plans),
        fees_wei=sum(plan.fee_cost_wei for plan in chunk_plans),
        gas_wei=sum(plan.gas_cost_wei for plan in chunk_plans),
        notional_wei=sum(p.trade.notional_wei for p in planned),
        duration_seconds=max(rounds, default=0),
    )


def as_baseline(plan: RebalancePlan) -> RebalancePlan:
    """The same rebalance executed the old way: every trade in its fixed-impact baseline chunks."""
    trades = tuple(replace(p, chunks=p.baseline) for p in plan.trades)
    return replace(plan, trades=trades, totals=plan.baseline)
