"""Rules that relate one part of a products file to another; each broken rule is one problem line."""

from __future__ import annotations

from collections.abc import Iterator

from indexops.config.models import Deployment, LeverageDeployment, Network, Product, ProductsFile, Venue

WEIGHT_TOLERANCE = 1e-9

REQUIRED_BY_MANAGER_KIND = {
    "base-manager": ("modules", "gim"),
    "delegated": ("extensions", "trade"),
    "direct": ("modules", "trade"),
}


def problems(config: ProductsFile) -> Iterator[tuple[str, str]]:
    """Yield (key path, what is wrong) for every cross-reference or sum that does not hold."""
    if config.default_network not in config.networks:
        yield "default_network", f"unknown network {config.default_network!r} (networks: {_names(config.networks)})"
    for name, network in config.networks.items():
        yield from _network_problems(f"networks.{name}", network)
    for name, product in config.products.items():
        yield from _product_problems(f"products.{name}", product, config)


def _network_problems(path: str, network: Network) -> Iterator[tuple[str, str]]:
    if not network.sandbox and not network.urls:
        yield f"{path}.rpc_url", "missing: a network other than the sandbox needs an RPC URL"
    for role in ("weth", "usd"):
        symbol = getattr(network, role)
        if symbol not in network.tokens:
            yield f"{path}.{role}", f"token {symbol!r} is not in {path}.tokens"
    if network.pricing_venue not in network.venues:
        yield f"{path}.pricing_venue", f"unknown venue {network.pricing_venue!r} (venues: {_names(network.venues)})"
    for name, venue in network.venues.items():
        yield from _venue_problems(f"{path}.venues.{name}", venue)
    seen: dict[str, str] = {}
    for symbol, token in network.tokens.items():
        if token.address in seen:
            yield f"{path}.tokens.{symbol}", f"duplicate token: same address as {seen[token.address]} ({token.address})"
        seen.setdefault(token.address, symbol)


def _venue_problems(path: str, venue: Venue) -> Iterator[tuple[str, str]]:
    if venue.kind != "uniswap-v3":
        for key in ("fee_tier", "quoter"):
            if getattr(venue, key) is not None:
                yield f"{path}.{key}", f"applies to uniswap-v3 venues only (this venue is {venue.kind!r})"
        return
    if venue.fee_tier is None:
        yield f"{path}.fee_tier", "missing: a uniswap-v3 venue trades in one fee tier's pools (e.g. 3000 for 0.3%)"
    elif venue.fee_tier % 100:
        yield f"{path}.fee_tier", f"must be a whole number of basis points, a multiple of 100 (got {venue.fee_tier})"
    elif venue.fee_bps * 100 != venue.fee_tier:
        yield (
            f"{path}.fee_bps",
            f"must be fee_tier / 100 = {venue.fee_tier // 100} for a uniswap-v3 venue (got {venue.fee_bps})",
        )
    if venue.quoter is None:
        yield f"{path}.quoter", "missing: a uniswap-v3 venue's planned amounts are checked with its Quoter"


def _product_problems(path: str, product: Product, config: ProductsFile) -> Iterator[tuple[str, str]]:
    yield from _target_problems(path, product)
    yield from _keeper_problems(path, product)
    for network_name, deployment in product.deployments.items():
        where = f"{path}.deployments.{network_name}"
        network = config.networks.get(network_name)
        if network is None:
            yield where, f"unknown network {network_name!r} (networks: {_names(config.networks)})"
            continue
        yield from _deployment_problems(where, deployment, product)
        if deployment.leverage is not None:
            yield from _leverage_deployment_problems(
                f"{where}.leverage", deployment.leverage, product, network, network_name
            )
        for symbol, component in product.components.items():
            if symbol not in network.tokens:
                yield f"{path}.components.{symbol}", f"token {symbol!r} is not in networks.{network_name}.tokens"
            for venue in component.venues:
                if venue not in network.venues:
                    yield (
                        f"{path}.components.{symbol}.venues",
                        f"unknown venue {venue!r} on network {network_name!r} (venues: {_names(network.venues)})",
                    )


def _keeper_problems(path: str, product: Product) -> Iterator[tuple[str, str]]:
    keeper = product.keeper
    if keeper is None:
        return
    if product.kind != "leverage":
        yield f"{path}.keeper", f"applies to leverage products only (this product is {product.kind!r})"
        return
    if keeper.iterate_max_gwei < keeper.routine_max_gwei:
        yield (
            f"{path}.keeper.iterate_max_gwei",
            f"must not be below routine_max_gwei ({keeper.iterate_max_gwei:g} < {keeper.routine_max_gwei:g}): "
            "a routine rebalance whose interval is lapsing pays up to iterate_max_gwei",
        )
    if keeper.ripcord_max_gwei < keeper.iterate_max_gwei:
        yield (
            f"{path}.keeper.ripcord_max_gwei",
            f"must not be below iterate_max_gwei ({keeper.ripcord_max_gwei:g} < {keeper.iterate_max_gwei:g}): "
            "a ripcord is the most urgent call",
        )


def _target_problems(path: str, product: Product) -> Iterator[tuple[str, str]]:
    if product.kind == "leverage":
        if product.leverage is None:
            yield f"{path}.leverage", "missing: a leverage product needs its leverage settings"
        elif not product.leverage.min <= product.leverage.target <= product.leverage.max < product.leverage.ripcord:
            bounds = product.leverage
            yield (
                f"{path}.leverage",
                f"must satisfy min <= target <= max < ripcord (got min {bounds.min}, target {bounds.target}, "
                f"max {bounds.max}, ripcord {bounds.ripcord})",
            )
        return
    if not product.components:
        yield f"{path}.components", "missing: an index product needs at least one component"
        return
    # A component with both or neither is its own problem; only the others can mix weights with units.
    weights = {s: c.weight for s, c in product.components.items() if c.weight is not None and c.units is None}
    by_weight = list(weights)
    by_units = [s for s, c in product.components.items() if c.units is not None and c.weight is None]
    for symbol, component in product.components.items():
        if component.weight is not None and component.units is not None:
            yield f"{path}.components.{symbol}", "give exactly one of weight or units, not both"
        elif component.weight is None and component.units is None:
            yield f"{path}.components.{symbol}", "give exactly one of weight or units (neither is given)"
    if by_weight and by_units:
        yield f"{path}.components", "mixes weights and units: give every component a weight, or every component units"
    elif by_weight and len(by_weight) == len(product.components):
        total = sum(weights.values())
        if abs(total - 1) > WEIGHT_TOLERANCE:
            yield f"{path}.components", f"weights sum to {total:.12g}, not 1 (tolerance {WEIGHT_TOLERANCE:g})"


def _deployment_problems(path: str, deployment: Deployment, product: Product) -> Iterator[tuple[str, str]]:
    if product.kind == "leverage":
        if "fli_strategy" not in deployment.extensions:
            yield f"{path}.extensions.fli_strategy", "missing: a leverage product needs its strategy extension"
        return
    section, key = REQUIRED_BY_MANAGER_KIND[deployment.manager_kind]
    if key not in getattr(deployment, section):
        yield f"{path}.{section}.{key}", f"missing: manager kind {deployment.manager_kind!r} trades through it"


def _leverage_deployment_problems(
    path: str, leverage: LeverageDeployment, product: Product, network: Network, network_name: str
) -> Iterator[tuple[str, str]]:
    """A strategy's settings as FlexibleLeverageStrategyExtension's constructor would check them, and its
    tokens and exchanges against the network."""
    if product.kind != "leverage":
        yield path, f"applies to leverage products only (this product is {product.kind!r})"
        return
    for role in ("collateral", "borrow", "collateral_ctoken", "borrow_ctoken"):
        symbol = getattr(leverage, role)
        if symbol not in network.tokens:
            yield f"{path}.{role}", f"token {symbol!r} is not in networks.{network_name}.tokens"
    adapters = {venue.trade_adapter for venue in network.venues.values() if venue.trade_adapter}
    decimals = network.tokens[leverage.collateral].decimals if leverage.collateral in network.tokens else None
    for name, exchange in leverage.exchanges.items():
        if name not in adapters:
            yield (
                f"{path}.exchanges.{name}",
                (
                    f"no venue on network {network_name!r} trades through an adapter named {name!r} "
                    f"(trade adapters: {', '.join(sorted(adapters)) or 'none'})"
                ),
            )
        for key in ("twap_max_trade_size", "incentivized_twap_max_trade_size"):
            size = getattr(exchange, key)
            if decimals is not None and (size * 10**decimals) % 1:
                yield (
                    f"{path}.exchanges.{name}.{key}",
                    (
                        f"{size} has more decimals than {leverage.collateral} ({decimals}): "
                        "the contract stores base units"
                    ),
                )
    methodology = product.leverage
    if methodology is None:
        return
    if methodology.rebalance_interval is None:
        yield (
            f"{_product_path(path)}.leverage.rebalance_interval",
            "missing: a deployed strategy needs its rebalance interval (seconds)",
        )
    elif leverage.execution.twap_cooldown > methodology.rebalance_interval:
        yield (
            f"{path}.execution.twap_cooldown",
            (
                f"must not exceed the rebalance interval ({leverage.execution.twap_cooldown} s > "
                f"{methodology.rebalance_interval} s)"
            ),
        )
    if leverage.incentive.twap_cooldown > leverage.execution.twap_cooldown:
        yield (
            f"{path}.incentive.twap_cooldown",
            (
                f"must not exceed the TWAP cooldown ({leverage.incentive.twap_cooldown} s > "
                f"{leverage.execution.twap_cooldown} s)"
            ),
        )


def _product_path(deployment_path: str) -> str:
    """`products.X` from `products.X.deployments.N...`."""
    return deployment_path.split(".deployments.")[0]


def _names(mapping: dict) -> str:
    return ", ".join(sorted(mapping)) or "none"
