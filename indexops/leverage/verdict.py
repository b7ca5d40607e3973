"""What a keeper should do now, and why: the strategy's rules applied right, where shouldRebalance() is not.

`verdict(state, settings, exchanges)` tries every call a keeper can make (ripcord at or above the ripcord
ratio; iterateRebalance in a TWAP; rebalance otherwise) on every enabled exchange exactly as the contract
would run it (`calls.plan_*`), picks the exchange with the largest chunk (the first on a tie), and says
when the next call becomes possible if prices hold. It answers NOTHING with no debt (never engaged or
fully disengaged: only the operator's engage can start), during a disengage the caller reports (a
rebalance would re-lever), and while a cooldown runs (with the time it ends). A ripcord is still
advised during a disengage: it only delevers.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum

from indexops.leverage.calls import Call, CallPlan, Check, check_call, state_after
from indexops.leverage.chunks import ChunkNotional
from indexops.leverage.errors import Reverts
from indexops.leverage.precise import PRECISE_UNIT
from indexops.leverage.ratio import leverage_ratio
from indexops.leverage.rules import COOLDOWN_NOT_ELAPSED, RIPCORD_COOLDOWN, first_time_after
from indexops.leverage.settings import Exchanges, LeverageSettings
from indexops.leverage.state import LeverageState
from indexops.leverage.trades import Trade


class Action(Enum):
    """What to send now (the strategy function's name), or nothing."""

    REBALANCE = "rebalance"
    ITERATE = "iterateRebalance"
    RIPCORD = "ripcord"
    NOTHING = "nothing"


class Reason(Enum):
    """Why: one code per situation a keeper meets."""

    NO_EXCHANGE = "no exchange enabled"
    NO_SUPPLY = "no supply"
    NO_COLLATERAL = "no collateral"
    NOT_ENGAGED = "no debt: not engaged or fully disengaged"
    UNDERWATER = "debt not below collateral"
    DISENGAGING = "disengage in progress"
    RIPCORD = "at or above the ripcord ratio"
    RIPCORD_COOLDOWN = "ripcord cooldown"
    RIPCORD_BLOCKED = "ripcord would revert"
    TWAP_ITERATE = "TWAP in progress"
    TWAP_ADVANTAGEOUS = "TWAP target passed"
    TWAP_COOLDOWN = "TWAP cooldown"
    TWAP_BLOCKED = "iterateRebalance would revert"
    ABOVE_MAX = "above the maximum ratio"
    BELOW_MIN = "below the minimum ratio"
    INTERVAL_ELAPSED = "rebalance interval elapsed"
    IN_BAND = "within the band"
    REBALANCE_BLOCKED = "rebalance would revert"


@dataclass(frozen=True, slots=True)
class ExchangeOption:
    """One exchange's answer for the call the situation asks for."""

    exchange: str
    call: Call
    check: Check

    @property
    def ok(self) -> bool:
        return self.check.ok

    @property
    def size(self) -> int:
        """The chunk it would trade, collateral base units (0 when it would not go through or trades nothing)."""
        plan = self.check.plan
        return plan.chunk.chunk if plan is not None and plan.chunk is not None else 0


@dataclass(frozen=True, slots=True)
class Verdict:
    """The keeper's decision.

    leverage_ratio: the contract's current ratio (None when it cannot compute one); target_ratio: what the
    call aims at; plan: the chosen call on the chosen exchange (chunk, trade, expected ratio after it).
    next_possible_at: the first block time a call becomes possible if prices hold: after this call is
    mined at state.timestamp when there is an action, else from now; None when time alone never allows one.
    options: every exchange's check for the call considered, for showing why each can or cannot.
    """

    action: Action
    reason: Reason
    detail: str
    leverage_ratio: int | None
    target_ratio: int | None = None
    exchange: str | None = None
    plan: CallPlan | None = None
    next_possible_at: int | None = None
    options: tuple[ExchangeOption, ...] = ()

    @property
    def chunk(self) -> ChunkNotional | None:
        return self.plan.chunk if self.plan else None

    @property
    def trade(self) -> Trade | None:
        return self.plan.trade if self.plan else None

    @property
    def expected_ratio(self) -> int | None:
        """The ratio after the call, trade filled at oracle prices; None with no action."""
        return self.plan.expected_ratio if self.plan else None


def _x(ratio: int) -> str:
    return f"{ratio / PRECISE_UNIT:.4f}x"


def _options(
    call: Call, state: LeverageState, settings: LeverageSettings, exchanges: Exchanges
) -> tuple[ExchangeOption, ...]:
    return tuple(ExchangeOption(name, call, check_call(call, state, settings, exchanges, name)) for name in exchanges)


def _best(options: tuple[ExchangeOption, ...]) -> ExchangeOption | None:
    best = None
    for option in options:
        if option.ok and (best is None or option.size > best.size):
            best = option
    return best


def _first_revert(options: tuple[ExchangeOption, ...]) -> str:
    return next((option.check.reason for option in options if not option.ok), "")


def _act(
    action: Action, reason: Reason, detail: str, ratio: int, chosen: ExchangeOption, options: tuple[ExchangeOption, ...]
) -> Verdict:
    plan = chosen.check.plan
    assert plan is not None
    return Verdict(
        action=action,
        reason=reason,
        detail=detail,
        leverage_ratio=ratio,
        target_ratio=plan.new_ratio,
        exchange=chosen.exchange,
        plan=plan,
        options=options,
    )


def _nothing(reason: Reason, detail: str, ratio: int | None, options: tuple[ExchangeOption, ...] = ()) -> Verdict:
    return Verdict(action=Action.NOTHING, reason=reason, detail=detail, leverage_ratio=ratio, options=options)


def _ripcord(state: LeverageState, settings: LeverageSettings, exchanges: Exchanges, ratio: int) -> Verdict:
    options = _options(Call.RIPCORD, state, settings, exchanges)
    at = f"{_x(ratio)} is at or above the ripcord ratio {_x(settings.incentive.incentivized_leverage_ratio)}"
    chosen = _best(options)
    if chosen is not None:
        return _act(
            Action.RIPCORD, Reason.RIPCORD, f"{at}: ripcord delevers toward the maximum", ratio, chosen, options
        )
    if any(option.check.reason == RIPCORD_COOLDOWN for option in options):
        return _nothing(Reason.RIPCORD_COOLDOWN, f"{at}, but the ripcord cooldown has not passed", ratio, options)
    return _nothing(Reason.RIPCORD_BLOCKED, f"{at}, but ripcord would revert: {_first_revert(options)}", ratio, options)


def _iterate(state: LeverageState, settings: LeverageSettings, exchanges: Exchanges, ratio: int) -> Verdict:
    options = _options(Call.ITERATE, state, settings, exchanges)
    twap = f"a TWAP toward {_x(state.twap_leverage_ratio)} is in progress at {_x(ratio)}"
    chosen = _best(options)
    if chosen is not None:
        assert chosen.check.plan is not None
        if chosen.check.plan.trade is None:
            detail = f"{twap} and the price has carried it past its target: iterateRebalance ends it without a trade"
            return _act(Action.ITERATE, Reason.TWAP_ADVANTAGEOUS, detail, ratio, chosen, options)
        return _act(
            Action.ITERATE,
            Reason.TWAP_ITERATE,
            f"{twap}: iterateRebalance trades the next chunk",
            ratio,
            chosen,
            options,
        )
    if any(option.check.reason == COOLDOWN_NOT_ELAPSED for option in options):
        return _nothing(Reason.TWAP_COOLDOWN, f"{twap}; the TWAP cooldown has not passed", ratio, options)
    return _nothing(
        Reason.TWAP_BLOCKED, f"{twap}, but iterateRebalance would revert: {_first_revert(options)}", ratio, options
    )


def _rebalance(state: LeverageState, settings: LeverageSettings, exchanges: Exchanges, ratio: int) -> Verdict:
    methodology = settings.methodology
    options = _options(Call.REBALANCE, state, settings, exchanges)
    chosen = _best(options)
    if chosen is not None:
        if ratio > methodology.max_leverage_ratio:
            reason, why = Reason.ABOVE_MAX, f"{_x(ratio)} is above the maximum {_x(methodology.max_leverage_ratio)}"
        elif ratio < methodology.min_leverage_ratio:
            reason, why = Reason.BELOW_MIN, f"{_x(ratio)} is below the minimum {_x(methodology.min_leverage_ratio)}"
        else:
            reason, why = Reason.INTERVAL_ELAPSED, f"the rebalance interval has passed at {_x(ratio)}"
        assert chosen.check.plan is not None
        detail = f"{why}: rebalance toward {_x(chosen.check.plan.new_ratio)}"
        return _act(Action.REBALANCE, reason, detail, ratio, chosen, options)
    if any(option.check.reason == COOLDOWN_NOT_ELAPSED for option in options):
        band = f"[{_x(methodology.min_leverage_ratio)}, {_x(methodology.max_leverage_ratio)}]"
        return _nothing(Reason.IN_BAND, f"{_x(ratio)} is within {band} and the interval has not passed", ratio, options)
    return _nothing(
        Reason.REBALANCE_BLOCKED, f"rebalance would revert at {_x(ratio)}: {_first_revert(options)}", ratio, options
    )


def decide(state: LeverageState, settings: LeverageSettings, exchanges: Exchanges) -> Verdict:
    """The verdict at `state.timestamp`, without looking ahead (`next_possible_at` left None)."""
    if not exchanges:
        return _nothing(Reason.NO_EXCHANGE, "the strategy has no enabled exchange", None)
    if state.set_total_supply == 0:
        return _nothing(Reason.NO_SUPPLY, "the token has no supply: every call reverts", None)
    if state.collateral_balance == 0:
        return _nothing(Reason.NO_COLLATERAL, "the token holds no collateral: every call reverts", None)
    if state.borrow_balance == 0:
        detail = "no debt (never engaged, or fully disengaged): keeper calls revert; only the operator's engage starts"
        return _nothing(Reason.NOT_ENGAGED, detail, PRECISE_UNIT)
    try:
        ratio = leverage_ratio(state)
    except Reverts as revert:
        return _nothing(Reason.UNDERWATER, f"the debt is not below the collateral: {revert.reason}", None)
    if ratio >= settings.incentive.incentivized_leverage_ratio:
        return _ripcord(state, settings, exchanges, ratio)
    if state.disengage_in_progress:
        detail = f"a disengage is in progress at {_x(ratio)}: a rebalance would re-lever, leave it to the operator"
        return _nothing(Reason.DISENGAGING, detail, ratio)
    if state.twap_leverage_ratio > 0:
        return _iterate(state, settings, exchanges, ratio)
    return _rebalance(state, settings, exchanges, ratio)


def earliest_action_time(state: LeverageState, settings: LeverageSettings, exchanges: Exchanges) -> int | None:
    """The first block time from `state.timestamp` on at which `decide` advises a call, prices held; None if never.

    Time enters the rules only through the rebalance interval and the two cooldowns, so the candidates
    are now and the first second past each of them.
    """
    now = state.timestamp
    candidates = {now, first_time_after(state.global_last_trade_timestamp, settings.methodology.rebalance_interval)}
    for exchange in exchanges.values():
        last = exchange.exchange_last_trade_timestamp
        candidates.add(first_time_after(last, settings.execution.twap_cooldown_period))
        candidates.add(first_time_after(last, settings.incentive.incentivized_twap_cooldown_period))
    for moment in sorted(candidate for candidate in candidates if candidate >= now):
        if decide(state.at(moment), settings, exchanges).action is not Action.NOTHING:
            return moment
    return None


def verdict(state: LeverageState, settings: LeverageSettings, exchanges: Exchanges) -> Verdict:
    """What a keeper should do at `state.timestamp`, why, with which exchange and chunk, and when next."""
    decision = decide(state, settings, exchanges)
    if decision.plan is None:
        return replace(decision, next_possible_at=earliest_action_time(state, settings, exchanges))
    after, after_exchanges = state_after(state, exchanges, decision.plan)
    return replace(decision, next_possible_at=earliest_action_time(after, settings, after_exchanges))
