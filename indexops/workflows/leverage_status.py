"""`indexops status` for a leverage token: read the strategy at one block and build its report."""

from __future__ import annotations

from collections.abc import Iterable

from indexops.chain.leverage_reader import read_leverage
from indexops.config.selection import ProductOnNetwork
from indexops.errors import UsageError
from indexops.report.leverage_status import LeverageStatus, leverage_status


def strategy_address(target: ProductOnNetwork) -> str:
    """The product's FlexibleLeverageStrategyExtension on this network, or one line saying where to put it."""
    extension = target.deployment.extensions.get("fli_strategy")
    if extension is None:
        raise UsageError(
            f"{target.where.source}: products.{target.key}.deployments.{target.where.name}.extensions.fli_strategy: "
            "missing: a leverage token is read through its FlexibleLeverageStrategyExtension"
        )
    return extension


def read_leverage_status(target: ProductOnNetwork, connection, extra_callers: Iterable[str] = ()) -> LeverageStatus:
    deployment, network = target.deployment, target.where.network
    configured = deployment.leverage.allowed_callers if deployment.leverage is not None else ()
    reading = read_leverage(connection, strategy_address(target), callers=[*configured, *extra_callers])
    symbols = {token.address.lower(): symbol for symbol, token in network.tokens.items()}
    return leverage_status(
        target.key,
        target.where.name,
        reading,
        collateral_symbol=symbols.get(reading.strategy.collateral_asset.lower(), reading.strategy.collateral_asset),
        borrow_symbol=symbols.get(reading.strategy.borrow_asset.lower(), reading.strategy.borrow_asset),
    )
