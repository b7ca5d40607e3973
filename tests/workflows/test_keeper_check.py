"""`indexops keeper check` on the real strategies: the verdict and the gas it would pay, and its refusals."""

from __future__ import annotations

import pytest

from tests.paths import SHIPPED_PRODUCTS

GWEI = 10**9
DAY = 86_400


def _check(cli, *args: str):
    return cli("keeper", "check", *args, "--config", SHIPPED_PRODUCTS)


def _checked(cli, *args: str) -> list[dict]:
    result = _check(cli, *args, "--json")
    assert result.code == 0, result.err
    return result.json()


def _base_fee(w3, wei: int) -> None:
    """The next block's base fee is `wei`; mine it, so the pending block's follows from it (-12.5% when empty)."""
    w3.provider.make_request("anvil_setNextBlockBaseFeePerGas", [hex(wei)])
    w3.provider.make_request("evm_mine", [])


@pytest.mark.chain
def test_after_a_25_percent_fall_the_keeper_would_ripcord_under_its_cap(cli, sandbox, w3):
    assert cli("sandbox", "price", "WETH", "--by", "-25").code == 0
    (eth2x,) = _checked(cli, "eth2x-fli")
    assert eth2x["action"] == "ripcord" and eth2x["gas"] == "send" and eth2x["urgency"] == "ripcord"
    assert eth2x["leverage_ratio"] > 2.7 and eth2x["expected_ratio"] < eth2x["leverage_ratio"]
    assert eth2x["chunk"] > 0 and eth2x["exchange"]
    assert eth2x["base_fee_gwei"] + eth2x["priority_fee_offered_gwei"] <= eth2x["max_fee_gwei"]
    assert eth2x["max_fee_gwei"] <= eth2x["cap_gwei"] <= 3_000
    assert eth2x["reward_eth"] == 1 and eth2x["at_stake_eth"] > 0
    table = _check(cli, "eth2x-fli")
    assert table.code == 0 and "ripcord" in table.out


@pytest.mark.chain
def test_a_ripcord_whose_cap_is_below_the_base_fee_is_one_line_exit_2(cli, sandbox, w3):
    assert cli("sandbox", "price", "WETH", "--by", "-25").code == 0
    _base_fee(w3, 5_000 * GWEI)
    result = _check(cli, "eth2x-fli")
    assert result.code == 2 and result.out == ""
    assert result.err.count("\n") == 1 and "ripcord needed but its cap" in result.err


@pytest.mark.chain
def test_at_50_gwei_a_routine_rebalance_waits_and_at_1_gwei_it_pays(cli, sandbox, w3):
    assert cli("sandbox", "price", "WETH", "--by", "-3").code == 0  # off the target, inside the band
    w3.provider.make_request("evm_increaseTime", [DAY + 100])  # the rebalance interval has passed
    w3.provider.make_request("evm_mine", [])
    _base_fee(w3, 50 * GWEI)
    (eth2x,) = _checked(cli, "eth2x-fli")
    assert eth2x["action"] == "rebalance" and eth2x["reason"] == "rebalance interval elapsed"
    assert eth2x["gas"] == "wait" and eth2x["urgency"] == "routine" and eth2x["max_fee_gwei"] is None
    assert eth2x["base_fee_gwei"] > 30 and eth2x["cap_gwei"] == 30 and "waits for cheaper gas" in eth2x["why"]
    assert eth2x["wait_until"] > eth2x["timestamp"]
    for _ in range(40):  # empty blocks: the base fee falls 12.5% a block
        w3.provider.make_request("evm_mine", [])
    (cheap,) = _checked(cli, "eth2x-fli")
    assert cheap["gas"] == "send" and cheap["max_fee_gwei"] <= 30


@pytest.mark.chain
def test_both_products_in_one_check(cli, sandbox, w3):
    checks = _checked(cli, "eth2x-fli", "btc2x-fli")
    assert [c["product_key"] for c in checks] == ["eth2x-fli", "btc2x-fli"]
    assert all(c["action"] == "nothing" and c["gas"] == "nothing" for c in checks)


@pytest.mark.chain
def test_a_keeper_not_on_the_allowlist_is_one_line_exit_2(cli, sandbox, w3):
    result = _check(cli, "eth2x-fli", "--account", "3")
    assert result.code == 2 and result.out == ""
    assert result.err.count("\n") == 1 and "is not on the strategy's callAllowList" in result.err


def test_a_product_without_a_leverage_extension_is_one_line_exit_2(cli, tmp_path):
    text = SHIPPED_PRODUCTS.read_text()
    products = tmp_path / "products.toml"
    products.write_text(
        text.replace('extensions = { fli_strategy = "0x95775fD3Afb1F4072794CA4ddA27F2444BCf8Ac3", ', "extensions = { ")
    )
    result = cli("keeper", "check", "eth2x-fli", "--config", products)
    assert result.code == 2 and result.err.count("\n") == 1 and "extensions.fli_strategy" in result.err
    index = _check(cli, "dpi")
    assert index.code == 2 and index.err == "error: dpi: not a leverage product (kind 'index'): no keeper to check\n"


def _cheapen_weth_on(w3, book, venue: str, by: float) -> None:
    """The venue's WETH/USDC pool `by` below the feeds: selling WETH there gives that much less."""
    from indexops.chain.uniswap import pair_address
    from indexops.config.models import UNISWAP_V2_PAIR_INIT_CODE_HASH
    from indexops.sandbox.arbitrage import PoolMover

    weth, usdc = book["tokens"]["WETH"], book["tokens"]["USDC"]
    pair = pair_address(book["venues"][venue]["factory"], weth, usdc, UNISWAP_V2_PAIR_INIT_CODE_HASH)
    mover = PoolMover(w3, book["accounts"]["arbitrageur"], weth)
    weth_reserve, usdc_reserve = mover.pair_reserves(pair, weth, usdc)
    assert mover.move_pair(pair, weth, usdc, usdc_reserve / weth_reserve * (1 - by))


@pytest.mark.chain
@pytest.mark.parametrize(
    "cheap, chosen", [("uniswap-v2", "SushiswapExchangeAdapter"), ("sushiswap", "UniswapV2ExchangeAdapter")]
)
def test_the_ripcord_goes_to_the_exchange_that_quotes_more_for_its_chunk_and_lands_there(
    cli, sandbox, w3, book, real, tmp_path, cheap, chosen
):
    from tests.keeper.test_keeper_run import _run, _strategy

    assert cli("sandbox", "price", "WETH", "--by", "-25").code == 0
    _cheapen_weth_on(w3, book, cheap, by=0.02)
    (eth2x,) = _checked(cli, "eth2x-fli")
    assert eth2x["action"] == "ripcord" and eth2x["exchange"] == chosen
    costs = {c["exchange"]: c for c in eth2x["exchange_costs"]}
    assert set(costs) == {"UniswapV2ExchangeAdapter", "SushiswapExchangeAdapter"} and all(
        c["fills"] for c in costs.values()
    )
    assert costs[chosen]["receive"] > max(c["receive"] for name, c in costs.items() if name != chosen)
    start = w3.eth.block_number
    sent = _run(cli, tmp_path / "journal.sqlite3", "eth2x-fli")
    assert sent.code == 0, sent.err
    strategy = _strategy(real)
    (ripcord,) = strategy.events.RipcordCalled.get_logs(from_block=start)
    landed = w3.eth.get_block(ripcord["blockNumber"]).timestamp
    traded = {name: strategy.functions.getExchangeSettings(name).call()[1] for name in costs}  # last trade times
    assert traded[chosen] == landed and all(t < landed for name, t in traded.items() if name != chosen)
