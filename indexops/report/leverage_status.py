"""What `status` shows for a leverage token, as plain data: the position, its settings, its distance to
each line, and what a keeper should do now beside what the contract's `shouldRebalance()` says."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from indexops.chain.leverage_reader import LeverageReading
from indexops.leverage.errors import LeverageError
from indexops.leverage.risk import Risk, risk
from indexops.leverage.should_rebalance import ShouldRebalance
from indexops.leverage.verdict import Action, Verdict, verdict

PRECISE = 10**18
CHAINLINK_DECIMALS = 8


@dataclass(frozen=True)
class ExchangeView:
    name: str
    twap_max_trade_size: float  # collateral
    incentivized_twap_max_trade_size: float
    last_trade: int
    cool_off_left: int  # seconds until a TWAP chunk may trade on it again
    ripcord_cool_off_left: int
    should_rebalance: str  # the contract's answer for this exchange


@dataclass(frozen=True)
class KeeperAdvice:
    action: str  # rebalance / iterateRebalance / ripcord / nothing
    reason: str
    detail: str
    exchange: str | None
    chunk: float | None  # collateral moved by the call
    expected_ratio: float | None
    next_possible_at: int | None
    next_possible_in: int | None  # seconds from the block's time
    contract_says: str  # shouldRebalance()'s strongest answer over the exchanges
    contract_is_right: bool


@dataclass(frozen=True)
class LeverageStatus:
    product_key: str
    network: str
    block_number: int
    timestamp: int
    extension: str
    set_token: str
    collateral_symbol: str
    borrow_symbol: str
    leverage_ratio: float
    twap_leverage_ratio: float  # 0 when no TWAP is in progress
    methodology: dict
    execution: dict
    ripcord: dict
    exchanges: tuple[ExchangeView, ...]
    supply: float
    collateral: float
    borrow: float
    collateral_usd: float
    borrow_usd: float
    collateral_price_usd: float
    nav_per_token_usd: float | None
    drop_to_max_pct: float | None
    drop_to_ripcord_pct: float | None
    drop_to_liquidation_pct: float | None
    liquidation_leverage_ratio: float | None
    ether_balance: float
    ether_incentive_now: float
    comp_accrued: float
    comp_claimable: float  # what a claim at the next block sends
    comp_held: float
    callers: dict[str, bool]
    advice: KeeperAdvice

    def as_json(self) -> dict:
        return asdict(self)


def leverage_status(
    product_key: str, network: str, reading: LeverageReading, collateral_symbol: str, borrow_symbol: str
) -> LeverageStatus:
    state, settings = reading.state, reading.settings
    collateral_decimals = _decimals(reading.strategy.collateral_adjustment)
    borrow_decimals = _decimals(reading.strategy.borrow_adjustment)
    methodology, execution, incentive = settings.methodology, settings.execution, settings.incentive
    decision = verdict(state, settings, reading.exchanges)
    position = _risk(reading)
    now = state.timestamp
    return LeverageStatus(
        product_key=product_key,
        network=network,
        block_number=reading.block_number,
        timestamp=now,
        extension=reading.extension,
        set_token=reading.strategy.set_token,
        collateral_symbol=collateral_symbol,
        borrow_symbol=borrow_symbol,
        leverage_ratio=reading.contract_ratio / PRECISE,
        twap_leverage_ratio=state.twap_leverage_ratio / PRECISE,
        methodology={
            "target": methodology.target_leverage_ratio / PRECISE,
            "min": methodology.min_leverage_ratio / PRECISE,
            "max": methodology.max_leverage_ratio / PRECISE,
            "recentering_speed": methodology.recentering_speed / PRECISE,
            "rebalance_interval_seconds": methodology.rebalance_interval,
        },
        execution={
            "unutilized_leverage": execution.unutilized_leverage_percentage / PRECISE,
            "slippage": execution.slippage_tolerance / PRECISE,
            "twap_cooldown_seconds": execution.twap_cooldown_period,
        },
        ripcord={
            "leverage_ratio": incentive.incentivized_leverage_ratio / PRECISE,
            "slippage": incentive.incentivized_slippage_tolerance / PRECISE,
            "twap_cooldown_seconds": incentive.incentivized_twap_cooldown_period,
            "ether_reward": incentive.ether_reward / PRECISE,
        },
        exchanges=tuple(
            ExchangeView(
                name=name,
                twap_max_trade_size=exchange.twap_max_trade_size / 10**collateral_decimals,
                incentivized_twap_max_trade_size=exchange.incentivized_twap_max_trade_size / 10**collateral_decimals,
                last_trade=exchange.exchange_last_trade_timestamp,
                cool_off_left=_left(exchange.exchange_last_trade_timestamp, execution.twap_cooldown_period, now),
                ripcord_cool_off_left=_left(
                    exchange.exchange_last_trade_timestamp, incentive.incentivized_twap_cooldown_period, now
                ),
                should_rebalance=ShouldRebalance(reading.should_rebalance.get(name, 0)).name,
            )
            for name, exchange in reading.exchanges.items()
        ),
        supply=state.set_total_supply / PRECISE,
        collateral=state.collateral_balance / 10**collateral_decimals,
        borrow=state.borrow_balance / 10**borrow_decimals,
        collateral_usd=state.collateral_value / PRECISE,
        borrow_usd=state.borrow_value / PRECISE,
        collateral_price_usd=state.collateral_price / 10 ** (36 - collateral_decimals),
        nav_per_token_usd=None if position is None else position.nav_per_token / PRECISE,
        drop_to_max_pct=None if position is None else position.drop_to_max_pct,
        drop_to_ripcord_pct=None if position is None else position.drop_to_ripcord_pct,
        drop_to_liquidation_pct=None if position is None else position.drop_to_liquidation_pct,
        liquidation_leverage_ratio=None if position is None else position.liquidation_leverage_ratio,
        ether_balance=state.ether_balance / PRECISE,
        ether_incentive_now=reading.ether_incentive / PRECISE,
        comp_accrued=reading.comp_accrued / PRECISE,
        comp_claimable=reading.comp_claimable / PRECISE,
        comp_held=reading.comp_held / PRECISE,
        callers=dict(reading.callers),
        advice=_advice(decision, reading, collateral_decimals),
    )


def _advice(decision: Verdict, reading: LeverageReading, collateral_decimals: int) -> KeeperAdvice:
    says = _strongest(reading.should_rebalance.values())
    now = reading.state.timestamp
    plan = decision.plan
    return KeeperAdvice(
        action=decision.action.value,
        reason=decision.reason.value,
        detail=decision.detail,
        exchange=decision.exchange,
        chunk=None if plan is None or plan.chunk is None else plan.chunk.chunk / 10**collateral_decimals,
        expected_ratio=None if plan is None else plan.expected_ratio / PRECISE,
        next_possible_at=decision.next_possible_at,
        next_possible_in=None if decision.next_possible_at is None else max(0, decision.next_possible_at - now),
        contract_says=says.name,
        contract_is_right=_agrees(decision.action, says),
    )


_SAYS = {
    Action.REBALANCE: ShouldRebalance.REBALANCE,
    Action.ITERATE: ShouldRebalance.ITERATE_REBALANCE,
    Action.RIPCORD: ShouldRebalance.RIPCORD,
    Action.NOTHING: ShouldRebalance.NONE,
}


def _agrees(action: Action, says: ShouldRebalance) -> bool:
    return _SAYS[action] == says


def _strongest(answers) -> ShouldRebalance:
    """The most urgent answer over the exchanges (ripcord > iterate > rebalance > none)."""
    order = (ShouldRebalance.RIPCORD, ShouldRebalance.ITERATE_REBALANCE, ShouldRebalance.REBALANCE)
    given = {ShouldRebalance(value) for value in answers}
    return next((answer for answer in order if answer in given), ShouldRebalance.NONE)


def _risk(reading: LeverageReading) -> Risk | None:
    try:
        return risk(reading.state, reading.settings)
    except LeverageError:  # no debt (disengaged) or debt at or above the collateral: no ratio to measure from
        return None


def _left(last: int, period: int, now: int) -> int:
    """Seconds until `last + period < now` holds, the strategy's strict cooldown test."""
    return max(0, last + period + 1 - now)


def _decimals(adjustment: int) -> int:
    """A token's decimals from the strategy's price adjustment, 36 - 8 - decimals."""
    return 36 - CHAINLINK_DECIMALS - adjustment
