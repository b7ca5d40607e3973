"""The leverage products' market: WBTC (8 decimals) and the WETH/USDC and WBTC/USDC pools they trade in.

The uniswap-v2 USDC/WETH pool already exists (the index products' pricing pool); these add the
other venue's WETH/USDC pool and a WBTC/USDC pool on both, at the scenario's prices.
"""

from __future__ import annotations

from indexops.sandbox import scenario
from indexops.sandbox.deploy.venues import add_liquidity
from indexops.sandbox.deployer import Deployer

MAX_UINT = 2**256 - 1
UNIT_EXCESS = 10**12  # whole tokens minted to the deployer


def deploy_leverage_tokens(d: Deployer) -> dict:
    return {
        token.symbol: d.deploy(
            "StandardTokenMock", d.sender, UNIT_EXCESS * 10**token.decimals, token.name, token.symbol, token.decimals
        )
        for token in scenario.LEVERAGE_TOKENS
    }


def fund_leverage_pools(d: Deployer, venues: dict, tokens: dict) -> None:
    """Each `LEVERAGE_POOLS_USD` pool at the scenario's prices (WETH is wrapped here)."""
    weth = tokens["WETH"]
    weth_needed = sum(
        scenario.base_units(usd, "WETH") for (_, a, b), usd in scenario.LEVERAGE_POOLS_USD.items() if "WETH" in (a, b)
    )
    d.send(weth.functions.deposit(), value=weth_needed)
    for symbol in (t.symbol for t in scenario.LEVERAGE_TOKENS):
        for venue in venues.values():
            d.send(tokens[symbol].functions.approve(venue["router"].address, MAX_UINT))
    for (venue_key, base, quote), usd in scenario.LEVERAGE_POOLS_USD.items():
        add_liquidity(
            d,
            venues[venue_key]["router"],
            tokens[base],
            tokens[quote],
            scenario.base_units(usd, base),
            scenario.base_units(usd, quote),
        )
