"""Two Uniswap V2 deployments ("uniswap-v2" and a Sushiswap-like second venue) and their Set adapters."""

from __future__ import annotations

from dataclasses import dataclass

from indexops.sandbox.deployer import Deployer

FAR_DEADLINE = 2**63


@dataclass(frozen=True)
class VenueSpec:
    key: str
    trade_adapter: str  # TradeModule integration name, as on mainnet
    index_adapter: str  # GeneralIndexModule integration name, as on mainnet


VENUES = (
    VenueSpec("uniswap-v2", "UniswapV2ExchangeAdapter", "UniswapV2IndexExchangeAdapter"),
    VenueSpec("sushiswap", "SushiswapExchangeAdapter", "SushiswapIndexExchangeAdapter"),
)


def deploy_venue(d: Deployer, weth, registry, modules: dict, spec: VenueSpec) -> dict:
    factory = d.deploy("UniswapV2Factory", d.sender)
    router = d.deploy("UniswapV2Router02", factory.address, weth.address)
    trade_adapter = d.deploy("UniswapV2ExchangeAdapter", router.address)
    index_adapter = d.deploy("UniswapV2IndexExchangeAdapter", router.address)
    d.send(registry.functions.addIntegration(modules["trade"].address, spec.trade_adapter, trade_adapter.address))
    d.send(registry.functions.addIntegration(modules["gim"].address, spec.index_adapter, index_adapter.address))
    return {"factory": factory, "router": router, "trade_adapter": trade_adapter, "index_adapter": index_adapter}


def add_liquidity(d: Deployer, router, token, weth, token_amount: int, weth_amount: int) -> None:
    """Into the (token, weth) pair; any two tokens work the same (the pair is created if new)."""
    d.send(
        router.functions.addLiquidity(
            token.address, weth.address, token_amount, weth_amount, 0, 0, d.sender, FAR_DEADLINE
        )
    )
