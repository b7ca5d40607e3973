"""Deploy the whole sandbox on a fresh anvil and describe it as an address book."""

from __future__ import annotations

from indexops.sandbox import scenario
from indexops.sandbox.artifacts import ArtifactStore
from indexops.sandbox.deploy import uniswap_v3
from indexops.sandbox.deploy.core import deploy_set_core, deploy_weth
from indexops.sandbox.deploy.delegated import deploy_delegated
from indexops.sandbox.deploy.leverage_stack import deploy_leverage_stack, engage_leverage_products, leverage_book
from indexops.sandbox.deploy.productive import deploy_productive
from indexops.sandbox.deploy.products import deploy_product
from indexops.sandbox.deploy.safe import create_safe, deploy_safe_stack
from indexops.sandbox.deploy.venues import VENUES, add_liquidity, deploy_venue
from indexops.sandbox.deployer import Deployer
from indexops.sandbox.leverage_settings import StrategySettings

UNIT_EXCESS = 10**12  # whole tokens minted to the deployer beyond what pools and sets take


def deploy_sandbox(w3, artifacts: ArtifactStore, leverage: dict[str, StrategySettings] | None = None) -> dict:
    """Deploy everything in a fixed order, so that every address is the same on every run.

    With `leverage` (each leverage product's strategy settings, from the products file) the leverage
    tokens and what they need come last; without it the sandbox has the index products only.
    """
    accounts = list(w3.eth.accounts)
    d = Deployer(w3, artifacts, accounts[scenario.DEPLOYER])
    weth = deploy_weth(d)
    core = deploy_set_core(d, weth)
    venues = {spec.key: deploy_venue(d, weth, core["integration_registry"], core["modules"], spec) for spec in VENUES}
    tokens = _deploy_tokens(d, weth)
    _fund_pools(d, venues, tokens, weth)
    safe_stack = deploy_safe_stack(d)
    safe = create_safe(d, safe_stack, [accounts[i] for i in scenario.SAFE_OWNERS], scenario.SAFE_THRESHOLD)
    products = {}
    for spec in scenario.PRODUCTS:
        operator = safe.address if spec.operator_is_safe else accounts[scenario.OPERATOR]
        products[spec.key] = deploy_product(d, spec, core, tokens, accounts, operator, VENUES[0].index_adapter)
    delegated = deploy_delegated(d, core, tokens, accounts)  # after the rest, so that every earlier address stays put
    v3 = uniswap_v3.deploy_uniswap_v3(
        d, weth, core["integration_registry"], core["modules"]
    )  # likewise, after delegated
    uniswap_v3.fund_pools(d, v3, tokens, weth)
    d.send(delegated["extensions"]["batch_trade"].functions.addIntegrations([uniswap_v3.TRADE_ADAPTER]))
    book = _address_book(core, venues | {uniswap_v3.KEY: v3}, tokens, safe_stack, safe, products, accounts)
    book["modules"]["debt_issuance"] = delegated["debt_issuance"].address
    book["delegated"] = _delegated_book(delegated)
    if leverage is not None:  # after everything else, so that every earlier address stays put
        stack = deploy_leverage_stack(d, core, venues, tokens, accounts, leverage)
        # PIX's contracts are the last deployed; the leverage products are engaged after them, so that the
        # deployment still ends with the engage and COMP's speeds, as the leverage tests count their blocks
        productive = deploy_productive(d, core, delegated, stack["compound"], stack["modules"]["airdrop"], tokens)
        engage_leverage_products(d, stack, venues, tokens, accounts)
        book["tokens"].update({s: tokens[s].address for s in (t.symbol for t in scenario.LEVERAGE_TOKENS)})
        book["tokens"].update(leverage_book(stack, tokens)["compound"]["ctokens"])
        book.update(leverage_book(stack, tokens))
        book["accounts"]["keeper"] = accounts[scenario.KEEPER]
        _add_productive(book, productive)
        book["leverage"]["libraries"] = {library.qualified_name: address for library, address in d.libraries.items()}
    return book


def _deploy_tokens(d: Deployer, weth) -> dict:
    tokens = {"WETH": weth}
    for token in scenario.TOKENS:
        tokens[token.symbol] = d.deploy(
            "StandardTokenMock", d.sender, UNIT_EXCESS * 10**token.decimals, token.name, token.symbol, token.decimals
        )
    weth_needed = (
        sum((t.uniswap_depth_usd + t.sushiswap_depth_usd) for t in scenario.TOKENS) + scenario.USDC_WETH_DEPTH_USD
    )
    weth_needed = int(weth_needed / scenario.ETH_USD * 1.1 * 10**18) + sum(
        int(p.supply * p.value_per_set_usd / scenario.ETH_USD * 10**18) for p in scenario.PRODUCTS
    )
    d.send(weth.functions.deposit(), value=weth_needed)
    return tokens


def _fund_pools(d: Deployer, venues: dict, tokens: dict, weth) -> None:
    for venue_key, venue in venues.items():
        router = venue["router"]
        for contract in tokens.values():
            d.send(contract.functions.approve(router.address, 2**256 - 1))
        for token in scenario.TOKENS:
            depth = _depth(token, venue_key)
            if depth <= 0:
                continue
            add_liquidity(
                d,
                router,
                tokens[token.symbol],
                weth,
                scenario.base_units(depth, token.symbol),
                scenario.base_units(depth, "WETH"),
            )


def _depth(token: scenario.SandboxToken, venue_key: str) -> float:
    if token.symbol == "USDC":
        return scenario.USDC_WETH_DEPTH_USD if venue_key == "uniswap-v2" else 0.0
    return token.uniswap_depth_usd if venue_key == "uniswap-v2" else token.sushiswap_depth_usd


def _address_book(core, venues, tokens, safe_stack, safe, products, accounts) -> dict:
    return {
        "accounts": {
            "deployer": accounts[scenario.DEPLOYER],
            "operator": accounts[scenario.OPERATOR],
            "methodologist": accounts[scenario.METHODOLOGIST],
            "trader": accounts[scenario.TRADER],
            "safe_owners": [accounts[i] for i in scenario.SAFE_OWNERS],
            "arbitrageur": accounts[scenario.ARBITRAGEUR],
        },
        "controller": core["controller"].address,
        "integration_registry": core["integration_registry"].address,
        "set_token_creator": core["set_token_creator"].address,
        "modules": {key: module.address for key, module in core["modules"].items()},
        "venues": {key: {k: c.address for k, c in venue.items()} for key, venue in venues.items()},
        "tokens": {symbol: contract.address for symbol, contract in tokens.items()},
        "safe": {**{k: c.address for k, c in safe_stack.items()}, "safe": safe.address},
        "products": {
            key: {
                "set_token": p["set_token"].address,
                "base_manager": p["base_manager"].address,
                "gim_extension": p["gim_extension"].address,
                "fee_split_extension": p["fee_split_extension"].address,
                "operator": p["operator"],
                "methodologist": p["methodologist"],
                "trader": p["trader"],
            }
            for key, p in products.items()
        },
    }


def _delegated_book(delegated: dict) -> dict:
    return {
        "manager_core": delegated["manager_core"].address,
        "factory": delegated["factory"].address,
        "extensions": {key: e.address for key, e in delegated["extensions"].items()},
        "products": {
            key: {
                "set_token": p["set_token"].address,
                "delegated_manager": p["manager"].address,
                "operator": p["operator"],
                "methodologist": p["methodologist"],
                "owner": p["owner"],
            }
            for key, p in delegated["products"].items()
        },
    }


def _add_productive(book: dict, productive: dict) -> None:
    """PIX among the delegated products, its extensions among theirs, WrapModuleV2 and its adapter."""
    book["delegated"]["products"]["pix"] = {
        "set_token": productive["set_token"].address,
        "delegated_manager": productive["manager"].address,
        "operator": productive["operator"],
        "methodologist": productive["methodologist"],
        "owner": productive["owner"],
    }
    book["delegated"]["extensions"].update({key: e.address for key, e in productive["extensions"].items()})
    book["modules"]["wrap"] = productive["wrap_module"].address
    book["modules"]["airdrop"] = book["leverage"]["modules"]["airdrop"]
    book["wrap_adapter"] = productive["wrap_adapter"].address
