"""From common options to what a command works on: the config, a product on a network, a connection."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported lazily below so that `indexops --help` stays fast
    from indexops.config.loader import LoadedConfig
    from indexops.config.selection import NetworkChoice, ProductOnNetwork


def config(path: Path | None) -> LoadedConfig:
    from indexops.config.loader import load_config

    return load_config(path)


def rpc_url_for(where: NetworkChoice, override: str | None) -> str:
    from indexops.config.selection import resolve_rpc_url
    from indexops.sandbox.service import running_rpc_url

    return resolve_rpc_url(where, override, running_rpc_url)


def product(path: Path | None, key: str, network: str | None) -> ProductOnNetwork:
    from indexops.config.selection import choose_product

    return choose_product(config(path), key, network)


def connect_to(where: NetworkChoice, rpc_override: str | None):
    from indexops.chain.connection import connect

    return connect(rpc_url_for(where, rpc_override), where.network.chain_id, where.name)


def resolve_account(account: str | None, where: NetworkChoice, connection) -> str | None:
    """An address as given, or anvil dev account N on a sandbox network."""
    if account is None:
        return None
    from indexops.chain.accounts import parse_account

    return parse_account(account, where.network.sandbox, connection)
