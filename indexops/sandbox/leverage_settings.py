"""The leverage products' strategy settings, read from the products file, in the units the contract takes.

The sandbox deploys what products.toml says (`products.<key>` for the methodology and ripcord ratio,
`products.<key>.deployments.sandbox.leverage` for execution, incentive and exchanges), so the file and
the chain never disagree. The file is the one `--config` names, else the shipped one: the package's
`sandbox/products.toml` is a link to the repository's products.toml, copied into wheels as a file.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from indexops.config.loader import find_config, load_config
from indexops.config.models import Leverage, LeverageDeployment, ProductsFile
from indexops.errors import ConfigError

PRECISE_UNIT = 10**18
SANDBOX_NETWORK = "sandbox"
SHIPPED_PRODUCTS_FILE = Path(__file__).with_name("products.toml")


@dataclass(frozen=True)
class StrategySettings:
    """FlexibleLeverageStrategyExtension's constructor settings for one product, contract units throughout."""

    key: str
    name: str
    symbol: str
    methodology: tuple[int, int, int, int, int]  # target, min, max, recentering speed, rebalance interval
    execution: tuple[int, int, int]  # unutilized leverage, slippage, TWAP cooldown
    incentive: tuple[int, int, int, int]  # ether reward, ripcord ratio, ripcord slippage, ripcord cooldown
    exchanges: dict[str, tuple[int, int, int, bytes, bytes]]  # name -> ExchangeSettings (last trade 0)
    collateral_decimals: int

    @property
    def exchange_names(self) -> list[str]:
        return list(self.exchanges)


def products_file(explicit: Path | None = None) -> Path:
    return find_config(explicit) if explicit is not None else SHIPPED_PRODUCTS_FILE


def load_strategy_settings(keys: list[str], path: Path | None = None) -> dict[str, StrategySettings]:
    """Each product's settings from the products file, or a ConfigError naming what is missing."""
    loaded = load_config(products_file(path))
    return {key: strategy_settings(loaded.file, key, str(loaded.path)) for key in keys}


def strategy_settings(config: ProductsFile, key: str, source: str = "products.toml") -> StrategySettings:
    product = config.products.get(key)
    deployment = product.deployments.get(SANDBOX_NETWORK) if product else None
    if product is None or product.leverage is None or deployment is None or deployment.leverage is None:
        raise ConfigError(
            [
                f"{source}: products.{key}: the sandbox deploys this leverage product from its `leverage` settings and "
                f"its `deployments.{SANDBOX_NETWORK}.leverage` section, which the file does not have"
            ]
        )
    methodology, strategy = product.leverage, deployment.leverage
    if methodology.rebalance_interval is None:
        raise ConfigError([f"{source}: products.{key}.leverage.rebalance_interval: missing"])
    decimals = config.networks[SANDBOX_NETWORK].tokens[strategy.collateral].decimals
    if decimals is None:
        raise ConfigError([f"{source}: networks.{SANDBOX_NETWORK}.tokens.{strategy.collateral}.decimals: missing"])
    return StrategySettings(
        key=key,
        name=product.name,
        symbol=product.symbol,
        methodology=_methodology(methodology),
        execution=(
            _precise(strategy.execution.unutilized_leverage),
            _precise(strategy.execution.slippage),
            strategy.execution.twap_cooldown,
        ),
        incentive=_incentive(strategy, methodology),
        exchanges={
            name: (
                _units(exchange.twap_max_trade_size, decimals),
                0,
                _units(exchange.incentivized_twap_max_trade_size, decimals),
                bytes.fromhex(exchange.lever_exchange_data[2:]),
                bytes.fromhex(exchange.delever_exchange_data[2:]),
            )
            for name, exchange in strategy.exchanges.items()
        },
        collateral_decimals=decimals,
    )


def _methodology(methodology: Leverage) -> tuple[int, int, int, int, int]:
    assert methodology.rebalance_interval is not None
    return (
        _precise(methodology.target),
        _precise(methodology.min),
        _precise(methodology.max),
        _precise(methodology.recentering_speed),
        methodology.rebalance_interval,
    )


def _incentive(strategy: LeverageDeployment, methodology: Leverage) -> tuple[int, int, int, int]:
    return (
        _units(strategy.incentive.ether_reward, 18),
        _precise(methodology.ripcord),
        _precise(strategy.incentive.slippage),
        strategy.incentive.twap_cooldown,
    )


def _precise(value: float) -> int:
    """A ratio or fraction as written (2.3, 0.05) in 18-decimal precise units, without float drift."""
    return int(Decimal(repr(value)) * PRECISE_UNIT)


def _units(amount: Decimal, decimals: int) -> int:
    return int(amount * 10**decimals)
