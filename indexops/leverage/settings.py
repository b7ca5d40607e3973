"""The strategy's settings, one frozen dataclass per struct of FlexibleLeverageStrategyExtension.

Field for field the contract's `MethodologySettings`, `ExecutionSettings`, `IncentiveSettings` and
`ExchangeSettings` (as `getMethodology()`, `getExecution()`, `getIncentive()` and
`getExchangeSettings(name)` return them), in contract units: ratios and percentages in precise units
(2x = 2e18, 1% = 1e16), periods in seconds, trade sizes in the collateral's base units, the reward in wei.
`validate_settings` mirrors `_validateNonExchangeSettings` and `_validateExchangeSettings`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

from indexops.leverage.errors import InvalidLeverageInput, Reverts
from indexops.leverage.precise import MAX_UINT256, PRECISE_UNIT

if TYPE_CHECKING:
    from _typeshed import DataclassInstance


def check_uints(instance: DataclassInstance) -> None:
    """Every int field of a settings or state dataclass fits a uint256, as the contract's storage does."""
    for field in fields(instance):
        value = getattr(instance, field.name)
        if isinstance(value, bool) or not isinstance(value, int):
            continue
        if not 0 <= value <= MAX_UINT256:
            raise InvalidLeverageInput(f"{type(instance).__name__}.{field.name}: {value} is not a uint256")


@dataclass(frozen=True, slots=True)
class Methodology:
    """MethodologySettings: the leverage band, how fast a rebalance recentres, and the epoch."""

    target_leverage_ratio: int
    min_leverage_ratio: int
    max_leverage_ratio: int
    recentering_speed: int
    rebalance_interval: int

    def __post_init__(self) -> None:
        check_uints(self)


@dataclass(frozen=True, slots=True)
class Execution:
    """ExecutionSettings: borrow headroom left unused, trade slippage, seconds between TWAP chunks."""

    unutilized_leverage_percentage: int
    slippage_tolerance: int
    twap_cooldown_period: int

    def __post_init__(self) -> None:
        check_uints(self)


@dataclass(frozen=True, slots=True)
class Incentive:
    """IncentiveSettings: the ripcord's ratio, reward, slippage and cooldown."""

    ether_reward: int
    incentivized_leverage_ratio: int
    incentivized_slippage_tolerance: int
    incentivized_twap_cooldown_period: int

    def __post_init__(self) -> None:
        check_uints(self)


@dataclass(frozen=True, slots=True)
class ExchangeSettings:
    """ExchangeSettings of one enabled exchange; a name the contract does not know reads as all zeros."""

    twap_max_trade_size: int
    exchange_last_trade_timestamp: int = 0
    incentivized_twap_max_trade_size: int = 0
    lever_exchange_data: bytes = b""
    delever_exchange_data: bytes = b""

    def __post_init__(self) -> None:
        check_uints(self)


NOT_ENABLED = ExchangeSettings(twap_max_trade_size=0)
"""What `exchangeSettings[name]` holds for a name never added (or removed): every field zero."""

Exchanges = Mapping[str, ExchangeSettings]
"""Enabled exchanges by name, in the contract's `enabledExchanges` order (the order shouldRebalance answers in)."""


def exchange_settings(exchanges: Exchanges, name: str) -> ExchangeSettings:
    """The contract's `exchangeSettings[name]`: zeros for a name not enabled."""
    return exchanges.get(name, NOT_ENABLED)


@dataclass(frozen=True, slots=True)
class LeverageSettings:
    """The three non-exchange structs together; exchanges are passed beside them (they change every trade)."""

    methodology: Methodology
    execution: Execution
    incentive: Incentive


def validate_settings(settings: LeverageSettings, exchanges: Exchanges | None = None) -> None:
    """Raise `Reverts` with the contract's message for settings it would refuse to store."""
    m, e, i = settings.methodology, settings.execution, settings.incentive
    rules = [
        (0 < m.min_leverage_ratio <= m.target_leverage_ratio, "Must be valid min leverage"),
        (m.max_leverage_ratio >= m.target_leverage_ratio, "Must be valid max leverage"),
        (0 < m.recentering_speed <= PRECISE_UNIT, "Must be valid recentering speed"),
        (e.unutilized_leverage_percentage <= PRECISE_UNIT, "Unutilized leverage must be <100%"),
        (e.slippage_tolerance <= PRECISE_UNIT, "Slippage tolerance must be <100%"),
        (i.incentivized_slippage_tolerance <= PRECISE_UNIT, "Incentivized slippage tolerance must be <100%"),
        (
            i.incentivized_leverage_ratio >= m.max_leverage_ratio,
            "Incentivized leverage ratio must be > max leverage ratio",
        ),
        (
            m.rebalance_interval >= e.twap_cooldown_period,
            "Rebalance interval must be greater than TWAP cooldown period",
        ),
        (
            e.twap_cooldown_period >= i.incentivized_twap_cooldown_period,
            "TWAP cooldown must be greater than incentivized TWAP cooldown",
        ),
    ]
    for holds, message in rules:
        if not holds:
            raise Reverts(message)
    for exchange in (exchanges or {}).values():
        if exchange.twap_max_trade_size == 0:
            raise Reverts("Max TWAP trade size must not be 0")
