"""A change of a leverage strategy's settings: `KEY=VALUE` pairs in, the contract's setter calls out.

Keys name the struct and field as products.toml does (`methodology.target`, `execution.slippage`,
`incentive.ripcord`, `exchange.NAME.twap_max_trade_size`); a field's name alone works where it is unique
(`target`, `max`, `ripcord`, `ether_reward`). Values are in people's units, turned into the contract's
exactly: ratios (2.1 or 2.1x), fractions (0.02 or 2%), seconds (30, 30s, 5min, 1h, 1d), ETH, whole
collateral tokens, hex data. `plan_change` checks the new settings the way the contract will, in the
order its calls will be made (each setter validates against the structs stored at that moment, so the
setters are ordered to keep every intermediate state valid), and refuses with the contract's revert
message; nothing it accepts would revert for a settings rule.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from indexops.errors import UsageError
from indexops.leverage import (
    Exchanges,
    ExchangeSettings,
    Execution,
    Incentive,
    LeverageSettings,
    Methodology,
    Reverts,
    validate_settings,
)
from indexops.routes.calls import Call, make_call

STRATEGY_ABI = "FlexibleLeverageStrategyExtension"
PRECISE = 10**18
SETTINGS_GAS = 120_000
IN_PROGRESS = "Rebalance is currently in progress"
ALREADY_ENABLED = "Exchange already enabled"
NOT_ENABLED = "Exchange not enabled"
NO_TRADE_SIZE = "Max TWAP trade size must not be 0"
SECTIONS = ("methodology", "execution", "incentive")
SETTERS = {
    "methodology": "setMethodologySettings",
    "execution": "setExecutionSettings",
    "incentive": "setIncentiveSettings",
}


@dataclass(frozen=True)
class Field:
    section: str  # "methodology", "execution", "incentive" or "exchange"
    name: str
    index: int  # the field's place in the contract's struct
    unit: str  # "ratio", "fraction", "seconds", "ether", "collateral", "data"

    @property
    def key(self) -> str:
        return f"{self.section}.{self.name}"


FIELDS = (
    Field("methodology", "target", 0, "ratio"),
    Field("methodology", "min", 1, "ratio"),
    Field("methodology", "max", 2, "ratio"),
    Field("methodology", "recentering_speed", 3, "fraction"),
    Field("methodology", "rebalance_interval", 4, "seconds"),
    Field("execution", "unutilized_leverage", 0, "fraction"),
    Field("execution", "slippage", 1, "fraction"),
    Field("execution", "twap_cooldown", 2, "seconds"),
    Field("incentive", "ether_reward", 0, "ether"),
    Field("incentive", "ripcord", 1, "ratio"),
    Field("incentive", "slippage", 2, "fraction"),
    Field("incentive", "twap_cooldown", 3, "seconds"),
)
EXCHANGE_FIELDS = (
    Field("exchange", "twap_max_trade_size", 0, "collateral"),
    Field("exchange", "incentivized_twap_max_trade_size", 2, "collateral"),
    Field("exchange", "lever_exchange_data", 3, "data"),
    Field("exchange", "delever_exchange_data", 4, "data"),
)
_SECONDS = re.compile(r"(?P<n>[0-9]+)\s*(?P<unit>s|sec|min|m|h|d)?")
_UNIT_SECONDS = {None: 1, "s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}
_HEX = re.compile(r"0x([0-9a-fA-F]{2})*")


class SettingsRefused(UsageError):
    """Settings the contract would refuse, or input that names no setting: one line, nothing sent."""


@dataclass(frozen=True)
class Change:
    key: str
    field: Field
    old: int | bytes | None  # None: the exchange is being added
    new: int | bytes | None  # None: the exchange is being removed


@dataclass(frozen=True)
class SettingsPlan:
    settings: LeverageSettings
    exchanges: dict[str, ExchangeSettings]
    changes: tuple[Change, ...]
    calls: tuple[Call, ...]
    warnings: tuple[str, ...]


def field_for(key: str) -> tuple[Field, str | None]:
    """The field a key names, and the exchange for an `exchange.NAME.field` key."""
    parts = key.strip().split(".")
    if parts[0] in ("exchange", "exchanges") and len(parts) >= 3:
        name, field_name = ".".join(parts[1:-1]), parts[-1]
        for field in EXCHANGE_FIELDS:
            if field.name == field_name:
                return field, name
        raise SettingsRefused(
            f"--set {key}: an exchange has {', '.join(f.name for f in EXCHANGE_FIELDS)}, not {field_name!r}"
        )
    if len(parts) == 2:
        section = "methodology" if parts[0] == "leverage" else parts[0]
        for field in FIELDS:
            if (field.section, field.name) == (section, parts[1]):
                return field, None
    if len(parts) == 1:
        matches = [field for field in FIELDS if field.name == parts[0]]
        if len(matches) == 1:
            return matches[0], None
        if matches:
            raise SettingsRefused(f"--set {key}: ambiguous, say {' or '.join(f.key for f in matches)}")
    known = ", ".join(field.key for field in FIELDS)
    raise SettingsRefused(
        f"--set {key}: unknown setting (known: {known}, exchange.NAME.{{{','.join(f.name for f in EXCHANGE_FIELDS)}}})"
    )


def parse_value(key: str, text: str, unit: str, collateral_decimals: int) -> int | bytes:
    value = text.strip()
    if unit == "data":
        if not _HEX.fullmatch(value):
            raise SettingsRefused(f"--set {key}={text}: not hex data (0x followed by pairs of hex digits)")
        return bytes.fromhex(value[2:])
    if unit == "seconds":
        match = _SECONDS.fullmatch(value)
        if match is None:
            raise SettingsRefused(f"--set {key}={text}: not a duration (seconds, or 30s, 5min, 1h, 1d)")
        return int(match["n"]) * _UNIT_SECONDS[match["unit"]]
    scale = {"ratio": PRECISE, "fraction": PRECISE, "ether": 10**18, "collateral": 10**collateral_decimals}[unit]
    if unit == "ratio":
        value = value.removesuffix("x")
    percent = unit == "fraction" and value.endswith("%")
    try:
        number = Decimal(value.removesuffix("%"))
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite() or number < 0:
        shown = {
            "ratio": "a ratio (2.1 or 2.1x)",
            "fraction": "a fraction (0.02 or 2%)",
            "ether": "an amount of ETH",
            "collateral": "an amount of the collateral (whole tokens)",
        }[unit]
        raise SettingsRefused(f"--set {key}={text}: not {shown}")
    exact = number / 100 * scale if percent else number * scale
    if exact != exact.to_integral_value():
        raise SettingsRefused(f"--set {key}={text}: more decimals than the contract holds")
    return int(exact)


def plan_change(
    strategy: str,
    settings: LeverageSettings,
    exchanges: Exchanges,
    twap_leverage_ratio: int,
    assignments: Sequence[str],
    *,
    add: Sequence[str] = (),
    remove: Sequence[str] = (),
    known_exchanges: Sequence[str] = (),
    collateral_decimals: int = 18,
) -> SettingsPlan:
    """The setter calls that take the strategy from `settings` / `exchanges` to what `assignments` say."""
    structs = {section: list(_struct(settings, section)) for section in SECTIONS}
    enabled: dict[str, list[Any]] = {name: _exchange_struct(x) for name, x in exchanges.items()}
    adding: dict[str, list[Any]] = {name: [0, 0, 0, b"", b""] for name in dict.fromkeys(add)}
    removing = list(dict.fromkeys(remove))
    for name in adding:
        if name in enabled:
            raise SettingsRefused(f"--add-exchange {name}: the strategy would revert: {ALREADY_ENABLED}")
        if known_exchanges and name not in known_exchanges:
            raise SettingsRefused(
                f"--add-exchange {name}: unknown exchange: this network's trade adapters are "
                f"{', '.join(known_exchanges)}"
            )
    for name in removing:
        if name not in enabled or name in adding:
            raise SettingsRefused(f"--remove-exchange {name}: the strategy would revert: {NOT_ENABLED}")
    changes: dict[str, Change] = {}
    for assignment in assignments:
        key, sep, text = assignment.partition("=")
        if not sep:
            raise SettingsRefused(f"--set {assignment}: expected KEY=VALUE")
        field, exchange = field_for(key)
        value = parse_value(key.strip(), text, field.unit, collateral_decimals)
        if exchange is None:
            target = structs[field.section]
            shown = field.key
        else:
            if exchange in removing:
                raise SettingsRefused(f"--set {key}: exchange {exchange} is being removed")
            target_struct = adding.get(exchange) or enabled.get(exchange)
            if target_struct is None:
                known = exchange in known_exchanges or not known_exchanges
                reason = (
                    f"the strategy would revert: {NOT_ENABLED} (add it with --add-exchange {exchange})"
                    if known
                    else f"unknown exchange: the strategy's enabled exchanges are {', '.join(enabled) or 'none'}"
                )
                raise SettingsRefused(f"--set {key}: {reason}")
            target = target_struct
            shown = f"exchange.{exchange}.{field.name}"
        old = target[field.index]
        target[field.index] = value
        first = changes.get(shown)
        changes[shown] = Change(shown, field, first.old if first else (None if exchange in adding else old), value)
    for name in adding:
        if adding[name][0] == 0:
            raise SettingsRefused(
                f"--add-exchange {name}: the strategy would revert: {NO_TRADE_SIZE} "
                f"(set it with --set exchange.{name}.twap_max_trade_size=AMOUNT)"
            )
    new_settings = LeverageSettings(
        Methodology(*structs["methodology"]), Execution(*structs["execution"]), Incentive(*structs["incentive"])
    )
    touched = [s for s in SECTIONS if structs[s] != list(_struct(settings, s))]
    if touched and twap_leverage_ratio:
        raise SettingsRefused(f"{SETTERS[touched[0]]}: the strategy would revert: {IN_PROGRESS} (a TWAP is under way)")
    order = _valid_order(settings, new_settings, touched)
    updated = [
        name for name, fields in enabled.items() if name not in removing and fields != _exchange_struct(exchanges[name])
    ]
    for name in updated:
        if enabled[name][0] == 0:
            raise SettingsRefused(f"updateEnabledExchange({name!r}): the strategy would revert: {NO_TRADE_SIZE}")
    kept = {name: ExchangeSettings(*fields) for name, fields in enabled.items() if name not in removing}
    kept |= {name: ExchangeSettings(*fields) for name, fields in adding.items()}
    calls = [
        make_call(
            STRATEGY_ABI,
            SETTERS[section],
            strategy,
            [tuple(structs[section])],
            "operator",
            f"set the {section} settings: {_summary(changes, section)}",
        )
        for section in order
    ]
    calls += [
        make_call(
            STRATEGY_ABI,
            "updateEnabledExchange",
            strategy,
            [name, tuple(enabled[name])],
            "operator",
            f"update exchange {name}: {_summary(changes, 'exchange', name)}",
        )
        for name in updated
    ]
    calls += [
        make_call(
            STRATEGY_ABI,
            "addEnabledExchange",
            strategy,
            [name, tuple(fields)],
            "operator",
            f"add exchange {name}: {_summary(changes, 'exchange', name)}",
        )
        for name, fields in adding.items()
    ]
    calls += [
        make_call(STRATEGY_ABI, "removeEnabledExchange", strategy, [name], "operator", f"remove exchange {name}")
        for name in removing
    ]
    if not calls:
        raise SettingsRefused("nothing to change: every setting given already holds that value")
    return SettingsPlan(
        settings=new_settings,
        exchanges=kept,
        changes=tuple(changes.values()),
        calls=tuple(calls),
        warnings=tuple(_warnings(kept)),
    )


def _struct(settings: LeverageSettings, section: str) -> tuple:
    m, e, i = settings.methodology, settings.execution, settings.incentive
    if section == "methodology":
        return (
            m.target_leverage_ratio,
            m.min_leverage_ratio,
            m.max_leverage_ratio,
            m.recentering_speed,
            m.rebalance_interval,
        )
    if section == "execution":
        return e.unutilized_leverage_percentage, e.slippage_tolerance, e.twap_cooldown_period
    return (
        i.ether_reward,
        i.incentivized_leverage_ratio,
        i.incentivized_slippage_tolerance,
        i.incentivized_twap_cooldown_period,
    )


def _exchange_struct(exchange: ExchangeSettings) -> list[Any]:
    return [
        exchange.twap_max_trade_size,
        exchange.exchange_last_trade_timestamp,
        exchange.incentivized_twap_max_trade_size,
        exchange.lever_exchange_data,
        exchange.delever_exchange_data,
    ]


def _valid_order(old: LeverageSettings, new: LeverageSettings, touched: Sequence[str]) -> tuple[str, ...]:
    """An order of the setters in which every call leaves settings the contract accepts (it checks each)."""
    try:
        validate_settings(new)
    except Reverts as revert:
        raise SettingsRefused(
            f"{SETTERS[touched[0]] if touched else 'the settings'}: the strategy would revert: {revert.reason}"
        ) from None
    for order in itertools.permutations(touched):
        current, ok = old, True
        for section in order:
            current = replace(current, **{section: getattr(new, section)})
            try:
                validate_settings(current)
            except Reverts:
                ok = False
                break
        if ok:
            return order
    first = _first_refusal(old, new, touched)
    raise SettingsRefused(
        f"no order of {', '.join(SETTERS[s] for s in touched)} keeps the settings valid between the calls: {first}"
    )


def _first_refusal(old: LeverageSettings, new: LeverageSettings, touched: Sequence[str]) -> str:
    for section in touched:
        try:
            validate_settings(replace(old, **{section: getattr(new, section)}))
        except Reverts as revert:
            return f"{SETTERS[section]} first would revert: {revert.reason}"
    return "every order is refused"


def _summary(changes: Mapping[str, Change], section: str, exchange: str | None = None) -> str:
    prefix = f"exchange.{exchange}." if exchange else f"{section}."
    names = [change.field.name for key, change in changes.items() if key.startswith(prefix)]
    return ", ".join(names) if names else "as they are"


def _warnings(exchanges: Mapping[str, ExchangeSettings]) -> list[str]:
    """What the contract allows but an operator should know (its comment: a ripcord may be disabled on purpose)."""
    return [
        f"exchange {name}: its ripcord chunk (incentivized_twap_max_trade_size) is below its TWAP chunk"
        + (": 0 disables the ripcord there" if x.incentivized_twap_max_trade_size == 0 else "")
        for name, x in exchanges.items()
        if x.incentivized_twap_max_trade_size < x.twap_max_trade_size
    ]


def shown(field: Field, value: int | bytes | str | None, collateral: str = "", collateral_decimals: int = 18) -> str:
    """A setting's value for people (data may come as hex text, as plan files hold it)."""
    if value is None:
        return "—"
    if isinstance(value, str):
        value = bytes.fromhex(value.removeprefix("0x"))
    if isinstance(value, bytes):
        return "0x" + value.hex() if value else "0x (none)"
    if field.unit == "seconds":
        return f"{value} s"
    scale = {"ratio": PRECISE, "fraction": PRECISE // 100, "ether": 10**18}.get(field.unit, 10**collateral_decimals)
    number = f"{(Decimal(value) / scale).normalize():f}"
    suffix = {"ratio": "x", "fraction": "%", "ether": " ETH"}.get(field.unit, f" {collateral}".rstrip())
    return number + suffix


@dataclass(frozen=True)
class Row:
    key: str
    old: str
    new: str


STATE_INDEX = {0: 0, 2: 1, 3: 2, 4: 3}  # an ExchangeSettings field -> its place in a lever plan's state


def plan_rows(state: Mapping, steps: Sequence, collateral: str = "", collateral_decimals: int = 18) -> list[Row]:
    """Old -> new of every setting a settings plan's steps change, from the plan alone (its state and calls)."""
    rows = []

    def show(field: Field, value) -> str:
        return shown(field, value, collateral, collateral_decimals)

    for step in steps:
        name = step.function.split("(")[0]
        section = next((s for s, setter in SETTERS.items() if setter == name), None)
        if section is not None:
            new = next(iter(step.args.values()))
            old = state.get("settings", {}).get(section, [None] * len(new))
            rows += [
                Row(f.key, show(f, old[f.index]), show(f, new[f.index]))
                for f in FIELDS
                if f.section == section and old[f.index] != new[f.index]
            ]
            continue
        exchange = step.args.get("_exchangeName", "?")
        if name == "removeEnabledExchange":
            rows.append(Row(f"exchange.{exchange}", "enabled", "removed"))
            continue
        new = step.args.get("_exchangeSettings", [])
        before = state.get("exchanges", {}).get(exchange) if name == "updateEnabledExchange" else None
        added = [Row(f"exchange.{exchange}", "—", "added")] if before is None else []
        for f in EXCHANGE_FIELDS:
            old_value = before[STATE_INDEX[f.index]] if before is not None else None
            if old_value != new[f.index] and not (before is None and new[f.index] in (0, "0x")):
                added.append(Row(f"exchange.{exchange}.{f.name}", show(f, old_value), show(f, new[f.index])))
        rows += added
    return rows
