"""The sandbox's market between chunks: its arbitrageur puts the pools back at the prices a plan
was made at (what arbitrage does on a real chain while a cool-off passes)."""

from __future__ import annotations

from collections.abc import Callable

from indexops.chain.uniswap import pair_address
from indexops.config.models import UNISWAP_V2_PAIR_INIT_CODE_HASH
from indexops.sandbox.arbitrage import Arbitrageur


def plan_price_restorer(w3, deployment: dict, plan) -> Callable[[], int]:
    arbitrageur = Arbitrageur(w3, deployment)
    reference = arbitrageur.reference()
    weth = deployment["tokens"]["WETH"]
    for token, component in plan.state.get("components", {}).items():
        for venue, (token_reserve, weth_reserve) in component.get("pools", {}).items():
            factory = deployment["venues"].get(venue, {}).get("factory")
            pair = factory and pair_address(factory, token, weth, UNISWAP_V2_PAIR_INIT_CODE_HASH)
            if pair in reference and token_reserve and isinstance(reference[pair], float):
                reference[pair] = int(weth_reserve) / int(token_reserve)
    return lambda: arbitrageur.restore(reference)
