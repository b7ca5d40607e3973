"""Prices, values and weights of a snapshot: pure arithmetic over what the chain said."""

from __future__ import annotations

from dataclasses import dataclass

from indexops.snapshot import ComponentState, Snapshot

PRECISE_UNIT = 10**18


@dataclass(frozen=True)
class ComponentValue:
    component: ComponentState
    price_weth: float | None  # None: no pool with reserves
    price_usd: float | None
    value_per_set_usd: float
    weight: float
    target_weight: float | None

    @property
    def units(self) -> float:
        return self.component.unit / 10**self.component.decimals

    @property
    def balance(self) -> float:
        return self.component.balance / 10**self.component.decimals


@dataclass(frozen=True)
class Valuation:
    eth_usd: float | None
    value_per_set_usd: float
    nav_usd: float
    supply: float
    components: tuple[ComponentValue, ...]


def eth_price_usd(snapshot: Snapshot) -> float | None:
    pool = snapshot.usd_pool
    if pool is None or pool.weth_reserve == 0:
        return None
    return (pool.token_reserve / 10**snapshot.usd_decimals) / (pool.weth_reserve / 10**18)


def price_in_weth(component: ComponentState, weth: str) -> float | None:
    """Mid price from the first configured venue that has a pool with reserves."""
    if component.address == weth:
        return 1.0
    for pool in component.pools:
        if pool.token_reserve > 0 and pool.weth_reserve > 0:
            return (pool.weth_reserve / 10**18) / (pool.token_reserve / 10**component.decimals)
    return None


def value(snapshot: Snapshot, target_weights: dict[str, float] | None = None) -> Valuation:
    eth_usd = eth_price_usd(snapshot)
    rows = []
    for component in snapshot.components:
        price_weth = price_in_weth(component, snapshot.weth)
        price_usd = price_weth * eth_usd if price_weth is not None and eth_usd is not None else None
        per_set = (component.unit / 10**component.decimals) * (price_usd or 0.0)
        rows.append((component, price_weth, price_usd, per_set))
    total = sum(per_set for *_, per_set in rows)
    supply = snapshot.total_supply / PRECISE_UNIT
    targets = target_weights or {}
    components = tuple(
        ComponentValue(
            component=component,
            price_weth=price_weth,
            price_usd=price_usd,
            value_per_set_usd=per_set,
            weight=per_set / total if total else 0.0,
            target_weight=targets.get(component.symbol, 0.0 if targets else None),
        )
        for component, price_weth, price_usd, per_set in rows
    )
    return Valuation(
        eth_usd=eth_usd, value_per_set_usd=total, nav_usd=total * supply, supply=supply, components=components
    )


def target_weights_from_units(units: dict[str, float], prices_usd: dict[str, float]) -> dict[str, float]:
    """Weights that target units (human amounts per set) imply at the given prices."""
    values = {symbol: amount * prices_usd.get(symbol, 0.0) for symbol, amount in units.items()}
    total = sum(values.values())
    return {symbol: v / total if total else 0.0 for symbol, v in values.items()}
