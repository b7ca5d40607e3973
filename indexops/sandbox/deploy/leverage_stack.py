"""Everything the leverage products need, after the rest of the sandbox: WBTC and its pools, price feeds,
Compound v2, the leverage modules, then each product, engaged at its target ratio."""

from __future__ import annotations

from indexops.chain.uniswap import pair_address
from indexops.config.models import UNISWAP_V2_PAIR_INIT_CODE_HASH
from indexops.sandbox import scenario
from indexops.sandbox.arbitrage import PoolMover
from indexops.sandbox.deploy.compound import COMP_ADDRESS, ctoken_symbol, deploy_compound, refresh_comp_speeds
from indexops.sandbox.deploy.engage import engage_to_target
from indexops.sandbox.deploy.feeds import deploy_feeds, feed_answer
from indexops.sandbox.deploy.leverage import deploy_leverage_product
from indexops.sandbox.deploy.leverage_modules import deploy_leverage_modules
from indexops.sandbox.deploy.leverage_pools import deploy_leverage_tokens, fund_leverage_pools
from indexops.sandbox.deployer import Deployer
from indexops.sandbox.leverage_settings import StrategySettings


def deploy_leverage_stack(
    d: Deployer, core: dict, venues: dict, tokens: dict, accounts: list[str], settings: dict[str, StrategySettings]
) -> dict:
    """Deploy every `scenario.LEVERAGE_PRODUCTS` product, not engaged yet (`engage_leverage_products`); `tokens`
    gains WBTC."""
    tokens.update(deploy_leverage_tokens(d))
    fund_leverage_pools(d, venues, tokens)
    feeds = deploy_feeds(d, scenario.PRICED_ASSETS)
    compound = deploy_compound(d, tokens)
    modules = deploy_leverage_modules(d, core, compound, venues, tokens["WETH"])
    products = {
        spec.key: deploy_leverage_product(
            d, spec, settings[spec.key], core["set_token_creator"], modules, compound, feeds, tokens, accounts
        )
        for spec in scenario.LEVERAGE_PRODUCTS
    }
    return {"feeds": feeds, "compound": compound, "modules": modules, "products": products}


def engage_leverage_products(d: Deployer, stack: dict, venues: dict, tokens: dict, accounts: list[str]) -> None:
    """Engage every product at its target ratio, then share COMP among the markets by their borrows. The last
    blocks of the deployment: what a test sees of interest and COMP accrued is counted from here."""
    mover = PoolMover(d.w3, accounts[scenario.ARBITRAGEUR], tokens["WETH"].address)
    for spec in scenario.LEVERAGE_PRODUCTS:
        product = stack["products"][spec.key]
        restore = _pool_restorer(mover, venues, tokens, spec)
        product["chunks"] = engage_to_target(d, product["strategy"], product["operator"], product["keeper"], restore)
    refresh_comp_speeds(d, stack["compound"])


def _pool_restorer(mover: PoolMover, venues: dict, tokens: dict, spec: scenario.SandboxLeverageProduct):
    """Puts every venue's collateral/borrow pool back at the feeds' price (what arbitrage does between chunks)."""
    collateral, borrow = tokens[spec.collateral].address, tokens[spec.borrow].address
    price = (
        feed_answer(scenario.price_usd(spec.collateral))
        * 10 ** scenario.decimals(spec.borrow)
        / (feed_answer(scenario.price_usd(spec.borrow)) * 10 ** scenario.decimals(spec.collateral))
    )
    pairs = [
        pair_address(venue["factory"].address, collateral, borrow, UNISWAP_V2_PAIR_INIT_CODE_HASH)
        for venue in venues.values()
    ]

    def restore() -> None:
        for pair in pairs:
            mover.move_pair(pair, collateral, borrow, price)

    return restore


def leverage_book(stack: dict, tokens: dict) -> dict:
    """The address book's leverage part: feeds, Compound, modules, libraries and products."""
    compound, modules = stack["compound"], stack["modules"]
    return {
        "price_feeds": {symbol: feed.address for symbol, feed in stack["feeds"].items()},
        "compound": {
            "comptroller": compound["comptroller"].address,
            "implementation": compound["implementation"].address,
            "oracle": compound["oracle"].address,
            "comp": COMP_ADDRESS,
            "interest_models": {kind: m.address for kind, m in compound["interest_models"].items()},
            "ctokens": {ctoken_symbol(u): c.address for u, c in compound["ctokens"].items()},
        },
        "leverage": {
            "modules": {key: m.address for key, m in modules.items() if key != "claim_adapter"},
            "claim_adapter": modules["claim_adapter"].address,
            "products": {
                key: {
                    "set_token": p["set_token"].address,
                    "base_manager": p["base_manager"].address,
                    "strategy": p["strategy"].address,
                    "fee_split": p["fee_split"].address,
                    "operator": p["operator"],
                    "methodologist": p["methodologist"],
                    "keeper": p["keeper"],
                    "collateral_ctoken": p["collateral_ctoken"].address,
                    "borrow_ctoken": p["borrow_ctoken"].address,
                    "engage_chunks": p["chunks"],
                }
                for key, p in stack["products"].items()
            },
        },
    }
