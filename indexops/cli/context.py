"""From common options to what a command works on: the config, a product on a network, a connection."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported lazily below so that `indexops --help` stays fast
    from indexops.config.loader import LoadedConfig
    from indexops.config.selection import NetworkChoice, ProductOnNetwork


def config(path: Path | None) -> LoadedConfig:
    from indexops.config.loader import load_config

    return load_config(path)


RpcUrls = str | Sequence[str] | None  # --rpc-url as a command got it: one URL, several, or none


def rpc_url_for(where: NetworkChoice, override: RpcUrls) -> str:
    """The preferred RPC URL (for what takes only one, a fork)."""
    return rpc_urls_for(where, override)[0]


def rpc_urls_for(where: NetworkChoice, override: RpcUrls) -> tuple[str, ...]:
    from indexops.config.selection import resolve_rpc_urls
    from indexops.sandbox.service import running_rpc_url

    return resolve_rpc_urls(where, override, running_rpc_url)


def product(path: Path | None, key: str, network: str | None) -> ProductOnNetwork:
    from indexops.config.selection import choose_product

    return choose_product(config(path), key, network)


def connect_to(where: NetworkChoice, rpc_override: RpcUrls):
    """A connection to the network's endpoints (or --rpc-url's); with --debug, every failover is a line on stderr."""
    from indexops.chain.connection import connect
    from indexops.cli.options import debug_requested

    return connect(
        rpc_urls_for(where, rpc_override),
        where.network.chain_id,
        where.name,
        timeout=where.network.rpc_timeout_seconds,
        on_failover=_print_failover if debug_requested() else None,
    )


def _print_failover(old: str, new: str, reason: str) -> None:
    """One plain stderr line, never wrapped or read as markup (an IPv6 host is in brackets)."""
    import sys

    sys.stderr.write(f"RPC failover: {old} -> {new} ({reason})\n")


def resolve_account(account: str | None, where: NetworkChoice, connection) -> str | None:
    """An address as given, or anvil dev account N on a sandbox network."""
    if account is None:
        return None
    from indexops.chain.accounts import parse_account

    return parse_account(account, where.network.sandbox, connection)
