"""Pick one product on one network out of a products file, and the RPC URL to reach it."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from indexops.config.interpolate import interpolate
from indexops.config.loader import LoadedConfig
from indexops.config.models import Deployment, Network, Product, Token
from indexops.errors import UsageError


@dataclass(frozen=True)
class NetworkChoice:
    name: str
    network: Network
    source: str

    def token(self, symbol: str) -> Token:
        return self.network.tokens[symbol]

    def symbol_of(self, address: str) -> str | None:
        for symbol, token in self.network.tokens.items():
            if token.address.lower() == address.lower():
                return symbol
        return None


@dataclass(frozen=True)
class ProductOnNetwork:
    key: str
    product: Product
    deployment: Deployment
    where: NetworkChoice


def choose_network(loaded: LoadedConfig, name: str | None) -> NetworkChoice:
    name = name or loaded.file.default_network
    network = loaded.file.networks.get(name)
    if network is None:
        known = ", ".join(sorted(loaded.file.networks))
        raise UsageError(f"{loaded.path}: networks: unknown network {name!r} (networks: {known})")
    return NetworkChoice(name=name, network=network, source=str(loaded.path))


def choose_product(loaded: LoadedConfig, key: str, network_name: str | None) -> ProductOnNetwork:
    product = loaded.file.products.get(key)
    if product is None:
        known = ", ".join(sorted(loaded.file.products)) or "none"
        raise UsageError(f"{loaded.path}: products: unknown product {key!r} (products: {known})")
    where = choose_network(loaded, network_name)
    deployment = product.deployments.get(where.name)
    if deployment is None:
        deployed = ", ".join(sorted(product.deployments))
        raise UsageError(
            f"{loaded.path}: products.{key}.deployments: {key} is not deployed on {where.name!r} "
            f"(deployed on: {deployed})"
        )
    return ProductOnNetwork(key=key, product=product, deployment=deployment, where=where)


def resolve_rpc_url(
    where: NetworkChoice,
    override: str | None,
    sandbox_url: Callable[[], str | None],
    environ: Mapping[str, str] = os.environ,
) -> str:
    """--rpc-url wins; then the network's URL with ${ENV} filled in; then the running sandbox."""
    if override:
        return override
    if where.network.rpc_url:
        try:
            return interpolate(where.network.rpc_url, environ)
        except KeyError as missing:
            variable = missing.args[0]
            state = "is empty" if variable in environ else "is not set"
            raise UsageError(
                f"{where.source}: networks.{where.name}.rpc_url: environment variable {variable} {state}"
                " (export it, or pass --rpc-url)"
            ) from None
    if where.network.sandbox:
        url = sandbox_url()
        if url is None:
            raise UsageError("the sandbox is not running: start it with `indexops sandbox up`")
        return url
    raise UsageError(f"{where.source}: networks.{where.name}.rpc_url: missing: pass --rpc-url")
