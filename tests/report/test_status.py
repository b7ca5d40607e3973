"""`indexops status` against the real contracts on the sandbox, checked through an independent read path."""

from __future__ import annotations

import re
import time

import pytest

from tests.paths import SHIPPED_PRODUCTS

pytestmark = pytest.mark.chain


def status_json(cli, product: str, *extra: str) -> dict:
    result = cli("status", product, "--config", SHIPPED_PRODUCTS, "--json", *extra)
    assert result.code == 0, result.err
    return result.json()


@pytest.mark.parametrize("product", ["dpi", "mvi"])
def test_status_numbers_equal_what_the_contracts_say(cli, w3, book, real, product):
    report = status_json(cli, product)
    set_token = real("SetToken", book["products"][product]["set_token"])
    uniswap = real("UniswapV2Factory", book["venues"]["uniswap-v2"]["factory"])
    weth = book["tokens"]["WETH"]

    assert int(report["total_supply"]) == set_token.functions.totalSupply().call()
    assert [c["address"] for c in report["components"]] == set_token.functions.getComponents().call()
    for component in report["components"]:
        token = real("StandardTokenMock", component["address"])
        assert int(component["unit"]) == set_token.functions.getDefaultPositionRealUnit(component["address"]).call()
        assert int(component["balance"]) == token.functions.balanceOf(set_token.address).call()
        assert component["decimals"] == (18 if component["symbol"] == "WETH" else token.functions.decimals().call())
        if component["address"] == weth:
            assert component["price_weth"] == 1.0
            continue
        pair = real("UniswapV2Pair", uniswap.functions.getPair(component["address"], weth).call())
        reserve0, reserve1, _ = pair.functions.getReserves().call()
        token_reserve, weth_reserve = (reserve0, reserve1) if pair.functions.token0().call() == component["address"] else (reserve1, reserve0)
        expected = (weth_reserve / 1e18) / (token_reserve / 10 ** component["decimals"])
        assert component["price_weth"] == pytest.approx(expected, rel=1e-12)

    weights = [c["weight"] for c in report["components"]]
    assert sum(weights) == pytest.approx(1.0, abs=1e-12)
    assert report["nav_usd"] == pytest.approx(report["value_per_set_usd"] * int(report["total_supply"]) / 1e18)


def test_status_follows_the_pool_price_and_the_fee_clock(cli, w3, book, real):
    before = status_json(cli, "dpi")
    uni = book["tokens"]["UNI"]
    deployer = book["accounts"]["deployer"]
    router = real("UniswapV2Router02", book["venues"]["uniswap-v2"]["router"])
    # someone sells 5% of the UNI/WETH pool's UNI: UNI's WETH price must fall
    router.functions.swapExactTokensForTokens(
        250_000 * 10**18, 0, [uni, book["tokens"]["WETH"]], deployer, 2**63
    ).transact({"from": deployer})
    w3.provider.make_request("evm_increaseTime", [30 * 24 * 3600])
    w3.provider.make_request("evm_mine", [])
    after = status_json(cli, "dpi")

    price = {c["symbol"]: c["price_weth"] for c in before["components"]}
    price_after = {c["symbol"]: c["price_weth"] for c in after["components"]}
    assert price_after["UNI"] < price["UNI"] * 0.95
    assert price_after["AAVE"] == price["AAVE"]
    fee_module = real("StreamingFeeModule", book["modules"]["streaming_fee"])
    assert int(after["streaming_fee"]["accrued_now"]) == fee_module.functions.getFee(book["products"]["dpi"]["set_token"]).call()
    assert after["streaming_fee"]["accrued_usd"] > 0


def test_roles_and_modules_come_from_the_chain(cli, book):
    report = status_json(cli, "dpi", "--account", "3")
    roles = {r["role"]: r for r in report["roles"]}
    assert roles["operator"]["holders"] == [book["products"]["dpi"]["operator"]]
    assert roles["trader"]["holders"] == [book["accounts"]["trader"]]
    assert roles["trader"]["signer_holds"] is True and roles["operator"]["signer_holds"] is False
    modules = {m["name"]: m["initialized"] for m in report["modules"]}
    assert modules == {"basic_issuance": True, "gim": True, "streaming_fee": True, "trade": False}
    gim = {c["symbol"]: c["gim"] for c in report["components"]}
    assert gim["UNI"]["exchange"] == "UniswapV2IndexExchangeAdapter" and gim["UNI"]["cool_off"] == 600


def test_safe_is_the_operator_of_mvi(cli, book):
    report = status_json(cli, "mvi")
    operator = next(r for r in report["roles"] if r["role"] == "operator")
    assert operator["holders"] == [book["safe"]["safe"]]


def test_round_trips_do_not_grow_with_components(cli, sandbox):
    counts = {}
    for product in ("dpi", "mvi"):  # 13 and 7 components
        result = cli("status", product, "--config", SHIPPED_PRODUCTS, "--json", "--debug")
        assert result.code == 0
        counts[product] = int(re.search(r"RPC round trips: (\d+)", result.err).group(1))
    assert counts["dpi"] == counts["mvi"] <= 5


def test_table_output_names_every_component(cli, sandbox):
    result = cli("status", "dpi", "--config", SHIPPED_PRODUCTS)
    assert result.code == 0
    for symbol in ("UNI", "AAVE", "MKR", "SNX", "COMP", "YFI", "SUSHI", "LRC", "1INCH", "BAL", "REN", "KNC", "WETH"):
        assert symbol in result.out
    assert "NAV" in result.out and "Streaming fee" in result.out


def test_wrong_chain_is_refused(cli, sandbox):
    result = cli("status", "dpi", "--config", SHIPPED_PRODUCTS, "--network", "mainnet", "--rpc-url", sandbox.running.rpc_url)
    assert result.code == 1
    assert result.err == f"error: wrong chain: network 'mainnet' expects chain id 1 but {sandbox.running.rpc_url} is chain 31337\n"
    assert result.out == ""


def test_unreachable_rpc_fails_fast_with_one_line(cli):
    from indexops.sandbox.anvil import _free_port

    url = f"http://127.0.0.1:{_free_port()}"
    started = time.monotonic()
    result = cli("status", "dpi", "--config", SHIPPED_PRODUCTS, "--rpc-url", url)
    assert time.monotonic() - started < 10
    assert result.code == 1
    assert result.err == f"error: cannot reach the RPC at {url} (connection refused): check --rpc-url or that the node is running\n"


def test_set_token_without_code_is_one_clear_line(cli, sandbox, tmp_path):
    nowhere = "0x000000000000000000000000000000000000dEaD"
    text = SHIPPED_PRODUCTS.read_text().replace("0xd8058efe0198ae9dD7D563e1b4938Dcbc86A1F81", nowhere)
    config = tmp_path / "products.toml"
    config.write_text(text)
    result = cli("status", "dpi", "--config", config)
    assert result.code == 1
    assert result.err == f"error: dpi on sandbox: no contract at SetToken address {nowhere}\n"


def test_debug_shows_the_traceback_and_keeps_the_exit_code(cli, sandbox, tmp_path):
    arguments = ("status", "dpi", "--config", SHIPPED_PRODUCTS, "--network", "mainnet", "--rpc-url", sandbox.running.rpc_url)
    plain, debug = cli(*arguments), cli(*arguments, "--debug")
    assert "wrong chain" in plain.err and "Traceback" not in plain.err
    assert debug.code == plain.code == 1
    assert "Traceback" in debug.err and debug.err.endswith(plain.err)
