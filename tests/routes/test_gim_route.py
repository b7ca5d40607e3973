"""The base-manager route's calls, decoded back and executed against the real GIM on the sandbox."""

from __future__ import annotations

import pytest
from eth_abi import decode
from web3.logs import DISCARD

from indexops.chain.batch import checksummed_value
from indexops.chain.calldata import canonical_type
from indexops.chain.connection import connect
from indexops.chain.reader import read_snapshot
from indexops.config.loader import load_config
from indexops.config.selection import choose_product
from indexops.planning.amm import Pool, amount_out
from indexops.routes.calls import function_fragment
from indexops.routes.gim import GimComponentTarget, setup_calls, trade_call
from tests.paths import SHIPPED_PRODUCTS

pytestmark = pytest.mark.chain


def dpi_snapshot(sandbox):
    target = choose_product(load_config(SHIPPED_PRODUCTS), "dpi", "sandbox")
    return target, read_snapshot(connect(sandbox.running.rpc_url, 31337), target)


def decoded_args(abi_name: str, call) -> list:
    fragment = function_fragment(abi_name, call.function.split("(")[0])
    types = [canonical_type(e) for e in fragment["inputs"]]
    return [checksummed_value(t, v) for t, v in zip(types, decode(types, call.data[4:]))]


def send(w3, sender: str, call):
    tx_hash = w3.eth.send_transaction({"from": sender, "to": call.to, "data": "0x" + call.data.hex(), "gas": 3_000_000})
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash)
    assert receipt.status == 1, call.description
    return receipt


def test_setup_sets_only_what_changed_and_starts_the_rebalance(sandbox, w3, book, real):
    target, snapshot = dpi_snapshot(sandbox)
    current = {c.address: c.gim for c in snapshot.components}
    aave = next(c for c in snapshot.components if c.symbol == "AAVE")
    wanted = [
        GimComponentTarget(
            address=c.address, symbol=c.symbol,
            target_unit=c.unit * 9 // 10 if c.symbol == "AAVE" else c.unit,
            max_size=c.gim.max_size // 2 if c.symbol == "AAVE" else (c.gim.max_size if c.gim else 0),
            exchange=c.gim.exchange if c.gim else "", cool_off=c.gim.cool_off if c.gim else 0,
        )
        for c in snapshot.components
    ]
    calls = setup_calls(book["products"]["dpi"]["gim_extension"], wanted, current, snapshot.position_multiplier, weth=snapshot.weth)
    assert [c.function.split("(")[0] for c in calls] == ["setTradeMaximums", "startRebalanceWithUnits"]
    assert decoded_args("GIMExtension", calls[0]) == [[aave.address], (aave.gim.max_size // 2,)]
    components, units, multiplier = decoded_args("GIMExtension", calls[1])
    assert list(components) == [c.address for c in snapshot.components]
    assert multiplier == snapshot.position_multiplier

    for call in calls:
        send(w3, book["products"]["dpi"]["operator"], call)
    gim = real("GeneralIndexModule", book["modules"]["gim"])
    target_unit, max_size, cool_off, _last, exchange, _data = gim.functions.executionInfo(snapshot.set_token, aave.address).call()
    assert (target_unit, max_size, cool_off, exchange) == (aave.unit * 9 // 10, aave.gim.max_size // 2, 600, "UniswapV2IndexExchangeAdapter")

    # the trader's first AAVE chunk: sells min(maxSize, excess) for at least the limit
    pool = next(p for p in aave.pools if p.venue == "uniswap-v2")
    chunk = min(aave.gim.max_size // 2, aave.balance - aave.balance * 9 // 10)
    expected_weth = amount_out(Pool(pool.token_reserve, pool.weth_reserve, 30), chunk)
    limit = expected_weth * 995 // 1000
    trade = trade_call(gim.address, snapshot.set_token, aave.address, "AAVE", "sell", limit, 1, 2)
    assert decoded_args("GeneralIndexModule", trade) == [snapshot.set_token, aave.address, limit]
    receipt = send(w3, book["accounts"]["trader"], trade)
    executed = gim.events.TradeExecuted().process_receipt(receipt, errors=DISCARD)[0]["args"]
    assert executed["_netAmountSold"] == chunk
    assert executed["_netAmountReceived"] >= limit
    token = real("StandardTokenMock", aave.address)
    assert token.functions.balanceOf(snapshot.set_token).call() == aave.balance - chunk


def test_a_second_plan_from_the_same_state_sets_nothing_again(sandbox, book):
    _, snapshot = dpi_snapshot(sandbox)
    current = {c.address: c.gim for c in snapshot.components}
    same = [
        GimComponentTarget(c.address, c.symbol, c.unit, c.gim.max_size, c.gim.exchange, c.gim.cool_off)
        for c in snapshot.components if c.gim is not None
    ]
    calls = setup_calls(book["products"]["dpi"]["gim_extension"], same, current, snapshot.position_multiplier, weth=snapshot.weth)
    assert [c.function.split("(")[0] for c in calls] == ["startRebalanceWithUnits"]
