"""The route for a product's manager kind, built from its products.toml deployment."""

from __future__ import annotations

from indexops.config.selection import ProductOnNetwork
from indexops.errors import UsageError
from indexops.routes.delegated import DelegatedRoute
from indexops.routes.direct import DirectRoute
from indexops.routes.fli.chain import FliRoute
from indexops.routes.gim import GimRoute
from indexops.routes.route import Route
from indexops.routes.uniswap_v3_data import fee_tier_data


def route_for(target: ProductOnNetwork, batch: bool = False) -> Route:
    deployment, network = target.deployment, target.where.network
    where = f"{target.where.source}: products.{target.key}.deployments.{target.where.name}"
    if target.product.kind == "leverage":
        if batch:
            raise UsageError("--batch: a leverage token's calls are single strategy calls, one per chunk")
        return FliRoute(target)
    if batch and deployment.manager_kind != "delegated":
        raise UsageError(
            f"--batch needs the delegated route's BatchTradeExtension; {target.key} is managed by "
            f"{deployment.manager_kind!r}, whose trades are single calls (a Safe can batch its operator set-up)"
        )
    if deployment.manager_kind == "base-manager":
        return GimRoute(
            gim=deployment.modules["gim"],
            extension=_require(
                deployment.extensions,
                "gim",
                f"{where}.extensions",
                "a base-manager rebalance is set up through the GIMExtension",
            ),
            index_adapters={name: venue.index_adapter for name, venue in network.venues.items() if venue.index_adapter},
            exchange_data={
                s: bytes.fromhex(c.exchange_data[2:])
                for s, c in target.product.components.items()
                if c.exchange_data != "0x"
            },
            venue_data={name: fee_tier_data(tier) for name, tier in _v3_fee_tiers(network).items()},
            allowed_traders=tuple(deployment.allowed_traders),
        )
    adapters = {name: venue.trade_adapter for name, venue in network.venues.items() if venue.trade_adapter}
    slippage = target.product.execution.default_slippage_bps
    if deployment.manager_kind == "direct":
        module = _require(
            deployment.modules, "trade", f"{where}.modules", "the direct route trades through TradeModule"
        )
        return DirectRoute(module, deployment.set_token, adapters, slippage, _v3_fee_tiers(network))
    _require(deployment.extensions, "trade", f"{where}.extensions", "the delegated route trades through TradeExtension")
    batch_gas_limit = None
    if batch:
        _require(
            deployment.extensions, "batch_trade", f"{where}.extensions", "--batch trades through BatchTradeExtension"
        )
        batch_gas_limit = target.product.execution.batch_gas_limit
    return DelegatedRoute(deployment, network, adapters, slippage, _v3_fee_tiers(network), batch_gas_limit)


def _require(mapping: dict, key: str, where: str, why: str) -> str:
    if key not in mapping:
        raise UsageError(f"{where}.{key}: missing: {why}")
    return mapping[key]


def _v3_fee_tiers(network) -> dict[str, int]:
    return {name: venue.fee_tier for name, venue in network.venues.items() if venue.kind == "uniswap-v3"}
