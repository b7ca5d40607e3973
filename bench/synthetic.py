"""Sandbox products of any size, for benchmarks: N tokens with pools, one SetToken holding them."""

from __future__ import annotations

import tomllib
from pathlib import Path

from web3.logs import DISCARD

from indexops.sandbox.deploy.venues import add_liquidity
from indexops.sandbox.deployer import Deployer

ROOT = Path(__file__).resolve().parents[1]
PRECISE = 10**18
ZERO = "0x" + "00" * 20


def deploy_synthetic_index(w3, artifacts, book: dict, components: int, supply_sets: int = 1_000) -> dict:
    """Deploy `components` tokens (plus WETH), a Uniswap pool for each and a SetToken issued to the deployer."""
    deployer = book["accounts"]["deployer"]
    d = Deployer(w3, artifacts, deployer)
    weth = d.at("WETH9", book["tokens"]["WETH"])
    router = d.at("UniswapV2Router02", book["venues"]["uniswap-v2"]["router"])
    issuance = d.at("BasicIssuanceModule", book["modules"]["basic_issuance"])
    creator = d.at("SetTokenCreator", book["set_token_creator"])
    d.send(weth.functions.deposit(), value=(components + 1) * 2_000 * PRECISE)
    tokens = {}
    for i in range(components):
        symbol = f"S{components}X{i}"
        token = d.deploy("StandardTokenMock", deployer, 10**30, f"Synthetic {symbol}", symbol, 18)
        for spender in (router.address, issuance.address):
            d.send(token.functions.approve(spender, 2**256 - 1))
        add_liquidity(d, router, token, weth, 1_000_000 * PRECISE, 1_000 * PRECISE)
        tokens[symbol] = token.address
    d.send(weth.functions.approve(issuance.address, 2**256 - 1))
    receipt = d.send(creator.functions.create(
        [*tokens.values(), weth.address], [PRECISE] * components + [PRECISE // 1000],
        [issuance.address], deployer, f"Synthetic {components}", f"SYN{components}",
    ))
    set_token = creator.events.SetTokenCreated().process_receipt(receipt, errors=DISCARD)[0]["args"]["_setToken"]
    d.send(issuance.functions.initialize(set_token, ZERO))
    d.send(issuance.functions.issue(set_token, supply_sets * PRECISE, deployer))
    return {"set_token": set_token, "tokens": tokens}


def products_file_with(products: dict[str, dict], book: dict, path: Path) -> Path:
    """The shipped products file plus one `direct`-managed product per synthetic index."""
    body = (ROOT / "products.toml").read_text()
    token_lines = "".join(
        f'{symbol} = {{ address = "{address}", decimals = 18 }}\n'
        for deployed in products.values() for symbol, address in deployed["tokens"].items()
    )
    body = body.replace("[networks.sandbox.tokens]\n", "[networks.sandbox.tokens]\n" + token_lines, 1)
    for key, deployed in products.items():
        symbols = list(deployed["tokens"])
        # every other component up or down by a fifth: a rebalance that trades each of them
        raw = [1.2 if i % 2 else 0.8 for i in range(len(symbols))]
        weights = [0.99 * r / sum(raw) for r in raw]
        weights[-1] = 0.99 - sum(weights[:-1])
        components = ", ".join(f"{s} = {{ weight = {w!r} }}" for s, w in zip(symbols, weights)) + ", WETH = { weight = 0.01 }"
        body += f"""
[products.{key}]
name = "Synthetic {key}"
symbol = "{key.upper()}"
components = {{ {components} }}

[products.{key}.deployments.sandbox]
set_token = "{deployed['set_token']}"
manager_kind = "direct"
modules = {{ trade = "{book['modules']['trade']}", basic_issuance = "{book['modules']['basic_issuance']}" }}
"""
    tomllib.loads(body)
    path.write_text(body)
    return path
