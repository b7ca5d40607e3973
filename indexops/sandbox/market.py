"""The sandbox's market between chunks: its arbitrageur puts the pools back at the prices a plan
was made at (what arbitrage does on a real chain while a cool-off passes)."""

from __future__ import annotations

from collections.abc import Callable

from indexops.chain.abis import contract
from indexops.chain.uniswap import pair_address
from indexops.config.models import UNISWAP_V2_PAIR_INIT_CODE_HASH
from indexops.sandbox.arbitrage import Arbitrageur, PoolMover


def plan_price_restorer(w3, deployment: dict, plan) -> Callable[[], int]:
    if plan.route == "fli":
        return leverage_price_restorer(w3, deployment, plan)
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


def leverage_price_restorer(w3, deployment: dict, plan) -> Callable[[], int]:
    """A lever plan's pools (its exchanges' collateral / borrow pairs) back at the price the strategy's feeds
    say now, as arbitrage leaves them between chunks."""
    mover = PoolMover(w3, deployment["accounts"]["arbitrageur"], deployment["tokens"]["WETH"])
    assets = plan.state.get("assets", {})
    collateral, borrow = assets["collateral"]["address"], assets["borrow"]["address"]
    strategy = contract(w3, "FlexibleLeverageStrategyExtension", plan.state["strategy"])
    pairs = [pool[0] for pool in plan.state.get("pools", {}).values()]

    def restore() -> int:
        settings = strategy.functions.getStrategy().call()
        collateral_oracle, borrow_oracle, collateral_adjustment, borrow_adjustment = (
            settings[3],
            settings[4],
            settings[9],
            settings[10],
        )
        collateral_price = _answer(w3, collateral_oracle) * 10**collateral_adjustment
        borrow_price = _answer(w3, borrow_oracle) * 10**borrow_adjustment
        return sum(mover.move_pair(pair, collateral, borrow, collateral_price / borrow_price) for pair in pairs)

    return restore


def _answer(w3, feed: str) -> int:
    return contract(w3, "ChainlinkAggregator", feed).functions.latestAnswer().call()
