"""Pick one product on one network out of a products file, and the RPC URL to reach it."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from indexops.config.interpolate import interpolate
from indexops.config.loader import LoadedConfig
from indexops.config.models import Deployment, Network, Product, Token
from indexops.config.types import rpc_url_problem
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
    override: str | Sequence[str] | None,
    sandbox_url: Callable[[], str | None],
    environ: Mapping[str, str] = os.environ,
) -> str:
    """The first of `resolve_rpc_urls` (the preferred endpoint)."""
    return resolve_rpc_urls(where, override, sandbox_url, environ)[0]


def resolve_rpc_urls(
    where: NetworkChoice,
    override: str | Sequence[str] | None,
    sandbox_url: Callable[[], str | None],
    environ: Mapping[str, str] = os.environ,
) -> tuple[str, ...]:
    """--rpc-url wins (repeated or comma-separated for several); then the network's URLs with ${ENV} filled in;
    then the running sandbox. In order of preference."""
    given = split_rpc_urls(override)
    if given:
        for url in given:
            if (problem := rpc_url_problem(url)) is not None:
                raise UsageError(f"--rpc-url: {problem}")
        return given
    configured = where.network.urls
    if configured:
        return tuple(_filled_in(where, key, url, environ) for key, url in configured)
    if where.network.sandbox:
        running = sandbox_url()
        if running is None:
            raise UsageError("the sandbox is not running: start it with `indexops sandbox up`")
        return (running,)
    raise UsageError(f"{where.source}: networks.{where.name}.rpc_url: missing: pass --rpc-url")


def split_rpc_urls(given: str | Sequence[str] | None) -> tuple[str, ...]:
    """`--rpc-url A --rpc-url B,C` as given (one string or several) -> (A, B, C)."""
    if not given:
        return ()
    values = [given] if isinstance(given, str) else list(given)
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


def _filled_in(where: NetworkChoice, key: str, url: str, environ: Mapping[str, str]) -> str:
    try:
        filled = interpolate(url, environ)
    except KeyError as missing:
        variable = missing.args[0]
        state = "is empty" if variable in environ else "is not set"
        raise UsageError(
            f"{where.source}: networks.{where.name}.{key}: environment variable {variable} {state}"
            " (export it, or pass --rpc-url)"
        ) from None
    if (problem := rpc_url_problem(filled)) is not None:
        raise UsageError(f"{where.source}: networks.{where.name}.{key}: {problem} (once the environment is filled in)")
    return filled
