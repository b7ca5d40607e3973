"""What moved on chain since a plan was made: one line per difference that matters."""

from __future__ import annotations

from collections.abc import Mapping

DEFAULT_PRICE_TOLERANCE_BPS = 50


def state_changes(
    planned: Mapping, current: Mapping, price_tolerance_bps: float = DEFAULT_PRICE_TOLERANCE_BPS
) -> list[str]:
    """Units, supply, roles and GIM settings must be as planned; pool prices within the tolerance."""
    changes = []
    for key in ("total_supply", "position_multiplier", "manager"):
        if planned.get(key) != current.get(key):
            changes.append(f"{key.replace('_', ' ')} was {planned.get(key)}, now {current.get(key)}")
    if planned.get("roles") != current.get("roles"):
        changes.append("the manager's roles changed")
    before, now = planned.get("components", {}), current.get("components", {})
    for address in sorted(set(before) | set(now)):
        if address not in now:
            changes.append(f"{before[address].get('symbol', address)} is no longer a component")
            continue
        if address not in before:
            changes.append(f"{now[address].get('symbol', address)} became a component")
            continue
        changes.extend(_component_changes(before[address], now[address], price_tolerance_bps))
    return changes


def _component_changes(before: Mapping, now: Mapping, tolerance_bps: float) -> list[str]:
    symbol = before.get("symbol", "?")
    changes = []
    if before.get("unit") != now.get("unit"):
        changes.append(f"{symbol} unit was {before.get('unit')}, now {now.get('unit')}")
    if before.get("gim") != now.get("gim"):
        changes.append(f"{symbol} GIM settings or last trade changed")
    for venue, (token_before, weth_before) in before.get("pools", {}).items():
        if venue not in now.get("pools", {}):
            changes.append(f"{symbol} pool on {venue} is gone")
            continue
        token_now, weth_now = now["pools"][venue]
        if token_before and token_now:
            moved = (weth_now / token_now) / (weth_before / token_before) - 1
            if abs(moved) * 10_000 > tolerance_bps:
                changes.append(
                    f"{symbol} price on {venue} moved {moved * 100:+.2f}% (tolerance {tolerance_bps / 100:g}%)"
                )
    return changes
