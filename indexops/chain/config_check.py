"""Compare a products file with a chain: every address has code, every configured role holds."""

from __future__ import annotations

from indexops.chain.batch import BatchReader, CallFailed
from indexops.chain.connection import Connection
from indexops.chain.reader import read_snapshot
from indexops.config.loader import LoadedConfig
from indexops.config.selection import NetworkChoice, choose_product


def chain_problems(loaded: LoadedConfig, where: NetworkChoice, connection: Connection) -> list[str]:
    """One line per address without code or role that differs from the chain."""
    source = str(loaded.path)
    reader = BatchReader(connection.w3, connection.w3.eth.block_number)
    tickets = [(path, address, reader.code(address)) for path, address in _configured_addresses(loaded, where)]
    results = reader.run()
    problems = [
        f"{source}: {path}: no contract at {address} on {where.name}"
        for path, address, ticket in tickets
        if isinstance(results[ticket], CallFailed) or not results[ticket]
    ]
    broken = {
        path.split(".deployments.")[0] for path in (p.split(": ")[1] for p in problems) if path.startswith("products.")
    }
    for key, product in loaded.file.products.items():
        if where.name not in product.deployments or f"products.{key}" in broken or product.kind != "index":
            continue
        snapshot = read_snapshot(connection, choose_product(loaded, key, where.name))
        problems.extend(_role_problems(source, key, where.name, product.deployments[where.name], snapshot))
    return problems


def _configured_addresses(loaded: LoadedConfig, where: NetworkChoice) -> list[tuple[str, str]]:
    network = where.network
    found = [(f"networks.{where.name}.tokens.{s}", t.address) for s, t in network.tokens.items()]
    for name, venue in network.venues.items():
        found += [
            (f"networks.{where.name}.venues.{name}.factory", venue.factory),
            (f"networks.{where.name}.venues.{name}.router", venue.router),
        ]
        if venue.quoter:
            found.append((f"networks.{where.name}.venues.{name}.quoter", venue.quoter))
    for name, address in network.contracts.model_dump().items():
        if address:
            found.append((f"networks.{where.name}.contracts.{name}", address))
    for key, product in loaded.file.products.items():
        deployment = product.deployments.get(where.name)
        if deployment is None:
            continue
        base = f"products.{key}.deployments.{where.name}"
        found.append((f"{base}.set_token", deployment.set_token))
        if deployment.manager:
            found.append((f"{base}.manager", deployment.manager))
        found += [(f"{base}.modules.{m}", a) for m, a in deployment.modules.items()]
        found += [(f"{base}.extensions.{e}", a) for e, a in deployment.extensions.items()]
        if deployment.leverage is not None:
            found += [
                (f"{base}.leverage.{k}", getattr(deployment.leverage, k))
                for k in ("leverage_module", "comptroller", "collateral_oracle", "borrow_oracle")
            ]
    return found


def _role_problems(source: str, key: str, network: str, deployment, snapshot) -> list[str]:
    base = f"{source}: products.{key}.deployments.{network}"
    problems = []
    if deployment.manager and deployment.manager != snapshot.manager:
        problems.append(
            f"{base}.manager: configured {deployment.manager} but the SetToken's manager is {snapshot.manager}"
        )
    holders = {role.name: role.holders for role in snapshot.roles}
    for role in ("operator", "methodologist"):
        configured = getattr(deployment, role)
        if configured and role in holders and configured not in holders[role]:
            problems.append(
                f"{base}.{role}: configured {configured} but the chain says {', '.join(holders[role]) or 'nobody'}"
            )
    for trader in deployment.allowed_traders:
        if "trader" in holders and trader not in holders["trader"]:
            problems.append(f"{base}.allowed_traders: {trader} is not an allowed GIM trader on chain")
    for name, address, initialized in snapshot.modules:
        if not initialized and name in ("gim", "streaming_fee"):
            problems.append(f"{base}.modules.{name}: {address} is not initialized on the SetToken")
    return problems
