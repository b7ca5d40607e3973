"""What moved on chain since a lever plan was made: one line per difference that makes it stale.

Exact: the strategy, its operator and manager, its settings and exchanges, the TWAP (a keeper's chunk, a
settings change or another plan's engage shows there). Within the tolerance: the ratio, balances, supply
and oracle prices, which interest, issuance and the feeds move a little every block. Last-trade times and
pool reserves are not compared: the plan waits for the first, and arbitrage moves the second.
"""

from __future__ import annotations

from collections.abc import Mapping

EXACT = ("strategy", "set_token", "manager", "operator", "twap_leverage_ratio")
WITHIN = ("ratio", "set_total_supply", "collateral_balance", "borrow_balance", "collateral_price", "borrow_price")
NAMES = {"twap_leverage_ratio": "the TWAP leverage ratio", "set_total_supply": "the supply"}


def lever_state_changes(planned: Mapping, current: Mapping, tolerance_bps: float) -> list[str]:
    changes = []
    for key in EXACT:
        if planned.get(key) != current.get(key):
            changes.append(f"{_name(key)} was {planned.get(key)}, now {current.get(key)}")
    for section in ("methodology", "execution", "incentive"):
        if planned.get("settings", {}).get(section) != current.get("settings", {}).get(section):
            changes.append(f"the strategy's {section} settings changed")
    before, now = planned.get("exchanges", {}), current.get("exchanges", {})
    if sorted(before) != sorted(now):  # a plan file keeps its keys sorted
        names_before, names_now = ", ".join(sorted(before)) or "none", ", ".join(sorted(now)) or "none"
        changes.append(f"the enabled exchanges were {names_before}, now {names_now}")
    else:
        changes.extend(f"the settings of exchange {name} changed" for name in before if before[name] != now[name])
    for key in WITHIN:
        was, is_now = planned.get(key), current.get(key)
        if not isinstance(was, int) or not isinstance(is_now, int):
            if was != is_now:
                changes.append(f"{_name(key)} was {was}, now {is_now}")
            continue
        if was == is_now:
            continue
        moved = (is_now - was) / was if was else float("inf")
        if abs(moved) * 10_000 > tolerance_bps:
            changes.append(f"{_name(key)} moved {moved * 100:+.2f}% (tolerance {tolerance_bps / 100:g}%)")
    return changes


def _name(key: str) -> str:
    return NAMES.get(key, key.replace("_", " "))
