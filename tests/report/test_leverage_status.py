"""`indexops status` of a leverage token against the real strategy and Compound on the sandbox, and its
verdict in the states where the contract's shouldRebalance() answers wrong."""

from __future__ import annotations

import pytest

from indexops.chain.abis import contract
from indexops.chain.connection import connect
from indexops.chain.leverage_reader import read_leverage
from indexops.leverage.risk import ratio_after_price_move
from indexops.sandbox.anvil import SANDBOX_CHAIN_ID
from tests.paths import SHIPPED_PRODUCTS

pytestmark = pytest.mark.chain

OPERATOR, KEEPER = 1, 9  # anvil accounts: the BaseManager's operator, the allow-listed keeper


def _status(cli, product="eth2x-fli") -> dict:
    result = cli("status", product, "--config", SHIPPED_PRODUCTS, "--json")
    assert result.code == 0, result.err
    return result.json()


def _strategy(w3, book, product="eth2x-fli"):
    return contract(w3, "FlexibleLeverageStrategyExtension", book["leverage"]["products"][product]["strategy"])


def _send(w3, account: int, call):
    sender = w3.eth.accounts[account]
    call.call({"from": sender})  # a revert raises here with its reason
    receipt = w3.eth.wait_for_transaction_receipt(call.transact({"from": sender, "gas": 3_000_000}))
    assert receipt.status == 1
    return receipt


def _warp(w3, seconds: int) -> None:
    w3.provider.make_request("evm_increaseTime", [seconds])
    w3.provider.make_request("evm_mine", [])


def _exchange(w3, book) -> str:
    return _strategy(w3, book).functions.getEnabledExchanges().call()[0]


def _next_chunk(cli, w3, cooldown: int) -> None:
    """Arbitrage restores the pools to the feed price (as it does between real TWAP chunks), the cooldown passes."""
    assert cli("sandbox", "price", "WETH", "--by", "0").code == 0
    _warp(w3, cooldown + 1)


@pytest.mark.parametrize("product", ["eth2x-fli", "btc2x-fli"])
def test_status_numbers_are_the_contracts_and_compounds(cli, sandbox, w3, book, product):
    shown = _status(cli, product)
    fli = _strategy(w3, book, product).functions
    strategy = fli.getStrategy().call()
    set_token, collateral_ctoken, borrow_ctoken = strategy[0], strategy[5], strategy[6]
    assert shown["leverage_ratio"] == fli.getCurrentLeverageRatio().call() / 10**18
    ctoken = contract(w3, "compound/CErc20", collateral_ctoken).functions
    decimals = 36 - 8 - strategy[9]
    underlying = ctoken.balanceOf(set_token).call() * ctoken.exchangeRateStored().call() // 10**18
    assert shown["collateral"] == underlying / 10**decimals
    debt = contract(w3, "compound/CErc20", borrow_ctoken).functions.borrowBalanceStored(set_token).call()
    assert shown["borrow"] == debt / 10**6
    assert shown["methodology"]["target"] == fli.getMethodology().call()[0] / 10**18
    assert shown["advice"]["action"] == "nothing" and shown["advice"]["contract_is_right"]
    assert 0 < shown["drop_to_max_pct"] < shown["drop_to_ripcord_pct"] < shown["drop_to_liquidation_pct"]


def test_a_25_percent_fall_moves_the_ratio_as_the_maths_says(cli, sandbox, w3, book):
    connection = connect(sandbox.running.rpc_url, SANDBOX_CHAIN_ID)
    before = read_leverage(connection, _strategy(w3, book).address)
    expected = ratio_after_price_move(before.state, -25) / 10**18
    assert cli("sandbox", "price", "WETH", "--by", "-25").code == 0
    after = _status(cli)
    assert after["leverage_ratio"] == pytest.approx(expected, rel=1e-3)
    assert after["advice"]["action"] == "ripcord" and after["advice"]["contract_says"] == "RIPCORD"


def test_fully_disengaged_nothing_to_do_though_should_rebalance_says_rebalance(cli, sandbox, w3, book):
    fli, exchange = _strategy(w3, book), _exchange(w3, book)
    cooldown = fli.functions.getExecution().call()[2]
    while _status(cli)["borrow"] > 0:
        _send(w3, OPERATOR, fli.functions.disengage(exchange))
        _next_chunk(cli, w3, cooldown)
    shown = _status(cli)
    assert shown["advice"]["contract_says"] == "REBALANCE"  # ...but rebalance reverts with no debt
    assert shown["advice"]["action"] == "nothing" and not shown["advice"]["contract_is_right"]
    with pytest.raises(Exception, match="Borrow balance must exist"):
        fli.functions.rebalance(exchange).call({"from": w3.eth.accounts[KEEPER]})


def test_during_a_partial_disengage_the_keeper_does_not_lever_back(cli, sandbox, w3, book):
    fli, exchange = _strategy(w3, book), _exchange(w3, book)
    cooldown = fli.functions.getExecution().call()[2]
    while _status(cli)["leverage_ratio"] >= 1.7:  # under the band: shouldRebalance says rebalance
        _send(w3, OPERATOR, fli.functions.disengage(exchange))
        _next_chunk(cli, w3, cooldown)
    shown = _status(cli)
    assert shown["borrow"] > 0 and shown["advice"]["contract_says"] == "REBALANCE"
    assert shown["advice"]["action"] == "nothing" and shown["advice"]["reason"] == "disengage in progress"


def test_just_engaged_under_the_minimum_the_keeper_iterates(cli, sandbox, w3, book):
    fli, exchange = _strategy(w3, book), _exchange(w3, book)
    cooldown = fli.functions.getExecution().call()[2]
    while _status(cli)["borrow"] > 0:
        _send(w3, OPERATOR, fli.functions.disengage(exchange))
        _next_chunk(cli, w3, cooldown)
    _send(w3, OPERATOR, fli.functions.engage(exchange))
    _next_chunk(cli, w3, cooldown)
    shown = _status(cli)
    assert shown["leverage_ratio"] < 1.7 and shown["twap_leverage_ratio"] > 0
    assert shown["advice"]["action"] == "iterateRebalance"
    advised = shown["advice"]["exchange"]
    fli.functions.iterateRebalance(advised).call({"from": w3.eth.accounts[KEEPER]})  # the advice goes through
    _send(w3, KEEPER, fli.functions.iterateRebalance(advised))
    assert _status(cli)["leverage_ratio"] > shown["leverage_ratio"]


def test_in_an_exchanges_ripcord_cooldown_the_keeper_uses_another_or_waits(cli, sandbox, w3, book):
    fli = _strategy(w3, book)
    assert cli("sandbox", "price", "WETH", "--by", "-30").code == 0
    first = _status(cli)
    used = first["advice"]["exchange"]
    assert first["advice"]["action"] == "ripcord"
    _send(w3, KEEPER, fli.functions.ripcord(used))
    shown = _status(cli)
    assert shown["leverage_ratio"] >= 2.7  # a 30% fall is more than one ripcord chunk brings back
    cooling = next(x for x in shown["exchanges"] if x["name"] == used)
    assert cooling["ripcord_cool_off_left"] > 0 and cooling["should_rebalance"] == "NONE"
    with pytest.raises(Exception, match="TWAP cooldown must have elapsed"):
        fli.functions.ripcord(used).call({"from": w3.eth.accounts[KEEPER]})
    advice = shown["advice"]
    if advice["action"] == "ripcord":  # another exchange is out of its cooldown: the contract takes it there
        assert advice["exchange"] != used
        fli.functions.ripcord(advice["exchange"]).call({"from": w3.eth.accounts[KEEPER]})
    else:
        assert advice["reason"] == "ripcord cooldown" and advice["next_possible_in"] > 0
