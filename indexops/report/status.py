"""What `status` shows, as plain data: a valuation plus roles, modules, GIM settings and fees."""

from __future__ import annotations

from dataclasses import dataclass

from indexops.config.selection import ProductOnNetwork
from indexops.errors import UsageError
from indexops.snapshot import Role, Snapshot
from indexops.valuation import PRECISE_UNIT, Valuation, target_weights_from_units, value


@dataclass(frozen=True)
class RoleCheck:
    role: Role
    signer_holds: bool | None  # None: no signer chosen


@dataclass(frozen=True)
class FeeView:
    annual_percentage: float
    max_percentage: float
    last_accrual: int
    accrued_fraction: float  # of supply, if accrued now
    accrued_sets: float
    accrued_usd: float
    recipient: str


@dataclass(frozen=True)
class StatusReport:
    product_key: str
    target: ProductOnNetwork
    snapshot: Snapshot
    valuation: Valuation
    signer: str | None
    roles: tuple[RoleCheck, ...]
    fee: FeeView | None

    def as_json(self) -> dict:
        s, v = self.snapshot, self.valuation
        return {
            "product": self.product_key,
            "network": s.network,
            "chain_id": s.chain_id,
            "block": {"number": s.block_number, "hash": s.block_hash, "timestamp": s.timestamp},
            "set_token": s.set_token,
            "name": s.name,
            "symbol": s.symbol,
            "total_supply": str(s.total_supply),
            "position_multiplier": str(s.position_multiplier),
            "eth_usd": v.eth_usd,
            "value_per_set_usd": v.value_per_set_usd,
            "nav_usd": v.nav_usd,
            "components": [
                {
                    "symbol": c.component.symbol,
                    "address": c.component.address,
                    "decimals": c.component.decimals,
                    "unit": str(c.component.unit),
                    "balance": str(c.component.balance),
                    "price_weth": c.price_weth,
                    "price_usd": c.price_usd,
                    "value_per_set_usd": c.value_per_set_usd,
                    "weight": c.weight,
                    "target_weight": c.target_weight,
                    "gim": None
                    if c.component.gim is None
                    else {
                        "max_size": str(c.component.gim.max_size),
                        "cool_off": c.component.gim.cool_off,
                        "last_trade": c.component.gim.last_trade,
                        "exchange": c.component.gim.exchange,
                        "exchange_data": "0x" + c.component.gim.exchange_data.hex(),
                    },
                }
                for c in v.components
            ],
            "manager": {"kind": s.manager_kind, "address": s.manager},
            "roles": [
                {
                    "role": r.role.name,
                    "holders": list(r.role.holders),
                    "needed_to": r.role.needed_to,
                    "signer_holds": r.signer_holds,
                }
                for r in self.roles
            ],
            "signer": self.signer,
            "modules": [{"name": n, "address": a, "initialized": i} for n, a, i in s.modules],
            "streaming_fee": self._streaming_fee_json(),
        }

    def _streaming_fee_json(self) -> dict | None:
        fee, view = self.snapshot.fee, self.fee
        if fee is None:
            return None
        if view is None:
            raise ValueError("a status report of a product with a streaming fee needs its fee view")
        return {
            "recipient": fee.recipient,
            "percentage": str(fee.percentage),
            "max_percentage": str(fee.max_percentage),
            "last_accrual": fee.last_accrual,
            "accrued_now": str(fee.accrued_now),
            "accrued_sets": view.accrued_sets,
            "accrued_usd": view.accrued_usd,
        }


def status_report(target: ProductOnNetwork, snapshot: Snapshot, signer: str | None) -> StatusReport:
    valuation = value(snapshot, _target_weights(target, snapshot))
    return StatusReport(
        product_key=target.key,
        target=target,
        snapshot=snapshot,
        valuation=valuation,
        signer=signer,
        roles=tuple(_check(role, signer) for role in snapshot.roles),
        fee=_fee_view(snapshot, valuation),
    )


def _target_weights(target: ProductOnNetwork, snapshot: Snapshot) -> dict[str, float] | None:
    components = target.product.components
    if not components:
        return None
    weights = {symbol: c.weight for symbol, c in components.items() if c.weight is not None}
    if len(weights) == len(components):
        return weights
    prices = {c.component.symbol: c.price_usd or 0.0 for c in value(snapshot).components}
    return target_weights_from_units(_units(target), prices)


def _units(target: ProductOnNetwork) -> dict[str, float]:
    """Every component's units; the config's checks leave no component of a product without weights unitless."""
    units = {}
    for symbol, component in target.product.components.items():
        if component.units is None:
            raise UsageError(
                f"{target.where.source}: products.{target.key}.components.{symbol}: "
                "no units, where the other components are given units rather than weights"
            )
        units[symbol] = float(component.units)
    return units


def _check(role: Role, signer: str | None) -> RoleCheck:
    if signer is None:
        return RoleCheck(role, None)
    return RoleCheck(role, signer.lower() in {h.lower() for h in role.holders})


def _fee_view(snapshot: Snapshot, valuation: Valuation) -> FeeView | None:
    fee = snapshot.fee
    if fee is None:
        return None
    fraction = fee.accrued_now / PRECISE_UNIT
    sets = valuation.supply * fraction / (1 - fraction) if fraction < 1 else 0.0
    return FeeView(
        annual_percentage=fee.percentage / PRECISE_UNIT,
        max_percentage=fee.max_percentage / PRECISE_UNIT,
        last_accrual=fee.last_accrual,
        accrued_fraction=fraction,
        accrued_sets=sets,
        accrued_usd=sets * valuation.value_per_set_usd * (1 - fraction),
        recipient=fee.recipient,
    )
