"""What a keeper offers for gas, by urgency: EIP-1559 fees under a per-product cap, or wait, and why.

Pure: integers in wei (fees per unit of gas), seconds, basis points; frozen dataclasses in and out.

  routine    a rebalance only because the interval passed (ratio within the band): it waits while the
             base fee is above `routine_max`, for at most one rebalance interval after it became
             possible; in the last `routine_urgent_within` seconds of that window it pays up to
             `iterate_max` so the epoch is not skipped
  scheduled  an iterateRebalance (a TWAP in progress) or a rebalance outside the band: pays up to
             `iterate_max`, what keeps the TWAP on schedule
  ripcord    pays up to min(`ripcord_max`, max(value at stake, the ETH reward) / gas needed). The value
             at stake is what a Compound liquidation would cost the holders (the liquidation incentive,
             ~8%, on the debt) weighted by how close the price is to it (0 at a price fall of
             `danger_horizon_bps` or more to liquidation, all of it at liquidation), plus what they
             lose beyond the maximum ratio's loss if the price falls `crash_move_bps` more before
             the ripcord lands (the collateral held above the maximum, times that fall)
  nothing    the verdict sends nothing

Fees: the max fee covers two base-fee rises (2 x base + tip), never above the cap (a ripcord's max fee
is its cap: it must land); the tip is the node's quote, cut to what the cap leaves. `bump` replaces a
stuck transaction at the same nonce: +12.5% on both fees at least (nodes refuse smaller replacements),
never above the cap, None once `max_bumps` are spent or the cap leaves no room.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from fractions import Fraction

from indexops.leverage.errors import InvalidLeverageInput
from indexops.leverage.precise import PRECISE_UNIT
from indexops.leverage.risk import liquidation_price_drop
from indexops.leverage.rules import first_time_after
from indexops.leverage.settings import LeverageSettings
from indexops.leverage.state import LeverageState
from indexops.leverage.verdict import Action, Reason, Verdict

GWEI = 10**9
BPS = 10_000
BUMP = Fraction(9, 8)  # +12.5%: what geth and most nodes need to accept a replacement (10% is geth's floor)

# Gas per call observed on the real contracts (docs reference: rebalance 0.65-0.69 M, iterate 0.62-0.67 M,
# ripcord 0.66-0.69 M), rounded up.
REBALANCE_GAS = 700_000
ITERATE_GAS = 650_000
RIPCORD_GAS = 700_000


class Urgency(Enum):
    ROUTINE = "routine"
    SCHEDULED = "scheduled"
    RIPCORD = "ripcord"
    NOTHING = "nothing"


class GasChoice(Enum):
    SEND = "send"
    WAIT = "wait"
    NOTHING = "nothing"


@dataclass(frozen=True, slots=True)
class GasPolicy:
    """A product's gas settings: caps in wei per gas, bumps, gas per call, the routine and ripcord knobs."""

    routine_max: int
    iterate_max: int
    ripcord_max: int
    max_bumps: int = 3
    bump_after_blocks: int = 3
    rebalance_gas: int = REBALANCE_GAS
    iterate_gas: int = ITERATE_GAS
    ripcord_gas: int = RIPCORD_GAS
    routine_urgent_within: int = 3_600
    liquidation_incentive_bps: int = 800
    danger_horizon_bps: int = 2_000
    crash_move_bps: int = 1_000

    def gas_for(self, action: Action) -> int:
        """The gas the policy reckons for one call of `action` (0 for nothing)."""
        return {
            Action.RIPCORD: self.ripcord_gas,
            Action.ITERATE: self.iterate_gas,
            Action.REBALANCE: self.rebalance_gas,
        }.get(action, 0)

    def __post_init__(self) -> None:
        for name in ("routine_max", "iterate_max", "ripcord_max", "rebalance_gas", "iterate_gas", "ripcord_gas"):
            if getattr(self, name) <= 0:
                raise InvalidLeverageInput(f"gas policy {name} must be positive (got {getattr(self, name)})")
        for name in (
            "max_bumps",
            "bump_after_blocks",
            "routine_urgent_within",
            "liquidation_incentive_bps",
            "crash_move_bps",
        ):
            if getattr(self, name) < 0:
                raise InvalidLeverageInput(f"gas policy {name} must not be negative (got {getattr(self, name)})")
        if self.danger_horizon_bps <= 0 or self.danger_horizon_bps > BPS:
            raise InvalidLeverageInput(f"gas policy danger_horizon_bps must be in 1..{BPS}")


def wei_per_gas(gwei_value: float | int) -> int:
    """Gwei as written (floats by their repr: 0.1 is exactly 1e8 wei) in wei, rounded down."""
    return int(Fraction(str(gwei_value)) * GWEI)


@dataclass(frozen=True, slots=True)
class GasQuote:
    """The chain now: the pending block's base fee and the node's priority fee quote, wei per gas."""

    base_fee: int
    priority_fee: int

    def __post_init__(self) -> None:
        if self.base_fee < 0 or self.priority_fee < 0:
            raise InvalidLeverageInput("a base fee or priority fee cannot be negative")


@dataclass(frozen=True, slots=True)
class GasFees:
    """EIP-1559 fields of one transaction, wei per gas."""

    max_fee_per_gas: int
    max_priority_fee_per_gas: int


@dataclass(frozen=True, slots=True)
class RipcordStake:
    """What a ripcord now is worth, wei: the liquidation cost weighted by danger, the reward; and the cap."""

    liquidation_drop: Fraction | None  # fall of the collateral price to Compound liquidation (None: no debt)
    danger: Fraction  # 0..1
    at_stake: int  # wei
    reward: int  # wei
    cap: int  # wei per gas


@dataclass(frozen=True, slots=True)
class GasDecision:
    """What to offer now. cap: the most this call may pay per gas (0 for nothing); fees: None unless SEND;
    wait_until: for a routine wait, the block time from which it pays up to the scheduled cap."""

    choice: GasChoice
    urgency: Urgency
    why: str
    cap: int = 0
    gas: int = 0
    fees: GasFees | None = None
    wait_until: int | None = None
    stake: RipcordStake | None = None

    @property
    def cap_below_base_fee(self) -> bool:
        return self.choice is GasChoice.WAIT and self.urgency is Urgency.RIPCORD


def gwei_text(wei_per_gas: int) -> str:
    value = Fraction(wei_per_gas, GWEI)
    return f"{float(value):,.2f} gwei" if value < 1000 else f"{float(value):,.0f} gwei"


def urgency(verdict: Verdict) -> Urgency:
    if verdict.action is Action.RIPCORD:
        return Urgency.RIPCORD
    if verdict.action is Action.ITERATE:
        return Urgency.SCHEDULED
    if verdict.action is Action.REBALANCE:
        return Urgency.ROUTINE if verdict.reason is Reason.INTERVAL_ELAPSED else Urgency.SCHEDULED
    return Urgency.NOTHING


def routine_deadline(state: LeverageState, settings: LeverageSettings) -> int:
    """The end of the window a routine rebalance may wait in: one interval after it became possible."""
    interval = settings.methodology.rebalance_interval
    return first_time_after(state.global_last_trade_timestamp, interval) + interval


def ripcord_stake(
    state: LeverageState, reward: int, eth_usd: int | None, policy: GasPolicy, max_ratio: int
) -> RipcordStake:
    """A ripcord's cap: min(ripcord_max, max(liquidation cost x danger + over-exposure cost, reward) / gas).

    eth_usd: USD per whole ETH in precise units (None when unknown: the reward alone counts). The danger
    is (horizon - fall to liquidation) / horizon, clamped to [0, 1]: it only grows as the price falls.
    The over-exposure cost is what the holders lose beyond the methodology's maximum ratio (`max_ratio`)
    if the price falls `crash_move_bps` more before the ripcord lands: the collateral held above what
    the maximum allows, times that fall. Both grow as the price falls.
    """
    drop = liquidation_price_drop(state)
    horizon = Fraction(policy.danger_horizon_bps, BPS)
    danger = Fraction(0) if drop is None else min(Fraction(1), max(Fraction(0), (horizon - drop) / horizon))
    at_stake = 0
    if eth_usd is not None and eth_usd > 0:
        liquidation_usd = Fraction(state.borrow_value * policy.liquidation_incentive_bps, BPS) * danger
        at_stake = int((liquidation_usd + over_exposure_cost(state, max_ratio, policy)) * PRECISE_UNIT / eth_usd)
    cap = min(policy.ripcord_max, max(at_stake, reward) // policy.ripcord_gas)
    return RipcordStake(liquidation_drop=drop, danger=danger, at_stake=at_stake, reward=reward, cap=cap)


def over_exposure_cost(state: LeverageState, max_ratio: int, policy: GasPolicy) -> Fraction:
    """USD (precise units) the holders lose beyond the maximum ratio's loss if the price falls `crash_move_bps`:
    (collateral value - equity x max ratio) x the fall, 0 within the band."""
    equity = state.collateral_value - state.borrow_value
    above = state.collateral_value - Fraction(max(equity, 0) * max_ratio, PRECISE_UNIT)
    return max(Fraction(0), above) * Fraction(policy.crash_move_bps, BPS)


def offer(quote: GasQuote, cap: int, max_fee_is_cap: bool = False) -> GasFees | None:
    """Fees under `cap` for the pending block, or None when its base fee (plus 1 wei of tip) is above it."""
    if quote.base_fee + min(quote.priority_fee, 1) > cap:
        return None
    max_fee = cap if max_fee_is_cap else min(cap, 2 * quote.base_fee + quote.priority_fee)
    return GasFees(max_fee_per_gas=max_fee, max_priority_fee_per_gas=min(quote.priority_fee, max_fee - quote.base_fee))


def decide_gas(
    verdict: Verdict,
    state: LeverageState,
    settings: LeverageSettings,
    quote: GasQuote,
    now: int,
    policy: GasPolicy,
    eth_usd: int | None = None,
) -> GasDecision:
    """The fees to offer at block time `now` for the verdict's call, or why to wait or send nothing."""
    kind = urgency(verdict)
    base = f"the base fee is {gwei_text(quote.base_fee)}"
    if kind is Urgency.NOTHING:
        return GasDecision(GasChoice.NOTHING, kind, "nothing to send")
    if kind is Urgency.RIPCORD:
        reward = verdict.plan.ether_reward if verdict.plan is not None else 0
        stake = ripcord_stake(state, reward, eth_usd, policy, settings.methodology.max_leverage_ratio)
        source = "what is at stake" if stake.at_stake > stake.reward else "the ETH reward"
        limit = "ripcord_max" if stake.cap == policy.ripcord_max else f"{source} / {policy.ripcord_gas:,} gas"
        fees = offer(quote, stake.cap, max_fee_is_cap=True)
        cap_text = f"the ripcord cap {gwei_text(stake.cap)} ({limit})"
        if fees is None:
            why = f"{base}, above {cap_text}"
            return GasDecision(GasChoice.WAIT, kind, why, stake.cap, policy.ripcord_gas, stake=stake)
        why = f"ripcord: pays up to {cap_text}"
        return GasDecision(GasChoice.SEND, kind, why, stake.cap, policy.ripcord_gas, fees, stake=stake)
    gas = policy.iterate_gas if verdict.action is Action.ITERATE else policy.rebalance_gas
    if kind is Urgency.SCHEDULED:
        what = "a TWAP chunk" if verdict.action is Action.ITERATE else "a rebalance outside the band"
        fees = offer(quote, policy.iterate_max)
        cap_text = f"iterate_max {gwei_text(policy.iterate_max)}"
        if fees is None:
            return GasDecision(GasChoice.WAIT, kind, f"{what}: {base}, above {cap_text}", policy.iterate_max, gas)
        return GasDecision(GasChoice.SEND, kind, f"{what}: pays up to {cap_text}", policy.iterate_max, gas, fees)
    deadline = routine_deadline(state, settings)
    urgent_from = max(deadline - policy.routine_urgent_within, 0)
    if now >= urgent_from:
        fees = offer(quote, policy.iterate_max)
        what = "routine rebalance, its interval about to lapse"
        cap_text = f"iterate_max {gwei_text(policy.iterate_max)}"
        if fees is None:
            return GasDecision(GasChoice.WAIT, kind, f"{what}: {base}, above {cap_text}", policy.iterate_max, gas)
        return GasDecision(GasChoice.SEND, kind, f"{what}: pays up to {cap_text}", policy.iterate_max, gas, fees)
    fees = offer(quote, policy.routine_max)
    cap_text = f"routine_max {gwei_text(policy.routine_max)}"
    if fees is None:
        why = f"routine rebalance: {base}, above {cap_text}; waits for cheaper gas"
        return GasDecision(GasChoice.WAIT, kind, why, policy.routine_max, gas, wait_until=urgent_from)
    why = f"routine rebalance: pays up to {cap_text}"
    return GasDecision(GasChoice.SEND, kind, why, policy.routine_max, gas, fees, wait_until=urgent_from)


def _raised(value: int) -> int:
    return -((-value * BUMP.numerator) // BUMP.denominator)  # ceil(value x 9/8)


def bump(previous: GasFees, cap: int, attempt: int, max_bumps: int, base_fee: int | None = None) -> GasFees | None:
    """The fees replacing a stuck transaction (same nonce) on bump number `attempt` (1 = the first).

    Both fees rise by at least 12.5% (rounded up); with the current `base_fee` given, the max fee rises to
    cover it plus the tip when that is more. Never above `cap`; None after `max_bumps`, or when even the
    smallest accepted replacement would pass the cap.
    """
    if attempt < 1:
        raise InvalidLeverageInput(f"bump attempts count from 1 (got {attempt})")
    if attempt > max_bumps:
        return None
    tip = _raised(previous.max_priority_fee_per_gas)
    least = max(_raised(previous.max_fee_per_gas), tip)
    if least > cap or least <= previous.max_fee_per_gas:
        return None
    wanted = least if base_fee is None else max(least, 2 * base_fee + tip)
    return GasFees(max_fee_per_gas=min(wanted, cap), max_priority_fee_per_gas=tip)
