"""Uniswap V3 (factory, SwapRouter, Quoter, position manager), full-range 0.3% pools and Set's V3 adapters."""

from __future__ import annotations

from indexops.chain.uniswap import sort_tokens
from indexops.chain.uniswap_v3 import sqrt_price_x96
from indexops.sandbox import scenario
from indexops.sandbox.deployer import Deployer

KEY = "uniswap-v3"
TRADE_ADAPTER = "UniswapV3ExchangeAdapter"  # TradeModule integration name, as on mainnet
INDEX_ADAPTER = "UniswapV3IndexExchangeAdapter"  # GeneralIndexModule integration name, as on mainnet
ZERO_ADDRESS = "0x" + "00" * 20
FAR_DEADLINE = 2**63
MAX_UINT = 2**256 - 1
MAX_TICK = 887272


def deploy_uniswap_v3(d: Deployer, weth, registry, modules: dict) -> dict:
    factory = d.deploy("UniswapV3Factory")
    router = d.deploy("SwapRouter", factory.address, weth.address)
    quoter = d.deploy("Quoter", factory.address, weth.address)
    # The descriptor only renders position NFTs' metadata, which nothing here reads.
    position_manager = d.deploy("NonfungiblePositionManager", factory.address, weth.address, ZERO_ADDRESS)
    trade_adapter = d.deploy("UniswapV3ExchangeAdapter", router.address)
    index_adapter = d.deploy("UniswapV3IndexExchangeAdapter", router.address)
    d.send(registry.functions.addIntegration(modules["trade"].address, TRADE_ADAPTER, trade_adapter.address))
    d.send(registry.functions.addIntegration(modules["gim"].address, INDEX_ADAPTER, index_adapter.address))
    return {
        "factory": factory,
        "router": router,
        "quoter": quoter,
        "position_manager": position_manager,
        "trade_adapter": trade_adapter,
        "index_adapter": index_adapter,
    }


def fund_pools(d: Deployer, venue: dict, tokens: dict, weth) -> None:
    """A full-range pool at the scenario price for every token with a V3 depth (WETH is wrapped here)."""
    funded = [t for t in scenario.TOKENS if t.uniswap_v3_depth_usd > 0]
    weth_needed = sum(scenario.base_units(t.uniswap_v3_depth_usd, "WETH") for t in funded)
    d.send(weth.functions.deposit(), value=weth_needed)
    manager = venue["position_manager"]
    d.send(weth.functions.approve(manager.address, MAX_UINT))
    for token in funded:
        contract = tokens[token.symbol]
        d.send(contract.functions.approve(manager.address, MAX_UINT))
        add_full_range_liquidity(
            d,
            manager,
            contract.address,
            weth.address,
            scenario.base_units(token.uniswap_v3_depth_usd, token.symbol),
            scenario.base_units(token.uniswap_v3_depth_usd, "WETH"),
            scenario.UNISWAP_V3_FEE_TIER,
        )


def add_full_range_liquidity(
    d: Deployer, manager, token_a: str, token_b: str, amount_a: int, amount_b: int, fee_tier: int
) -> None:
    """Create the pool at the price where the two amounts are worth the same, then mint over every tick."""
    token0, token1 = sort_tokens(token_a, token_b)
    amount0, amount1 = (amount_a, amount_b) if token0 == token_a else (amount_b, amount_a)
    d.send(
        manager.functions.createAndInitializePoolIfNecessary(token0, token1, fee_tier, sqrt_price_x96(amount0, amount1))
    )
    spacing = fee_tier // 50  # the factory's tick spacing for the 0.05%, 0.3% and 1% tiers
    top = MAX_TICK // spacing * spacing
    d.send(
        manager.functions.mint((token0, token1, fee_tier, -top, top, amount0, amount1, 0, 0, d.sender, FAR_DEADLINE))
    )
