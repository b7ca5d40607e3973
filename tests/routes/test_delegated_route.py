"""The delegated and direct routes' calls, decoded back and executed on the sandbox: sbx's
DelegatedManager through TradeExtension and BatchTradeExtension, and an EOA-managed SetToken
through TradeModule."""

from __future__ import annotations

import pytest
from eth_abi import decode
from web3.exceptions import ContractLogicError
from web3.logs import DISCARD

from indexops.chain.abis import contract
from indexops.chain.calldata import canonical_type, selector
from indexops.config.loader import load_config
from indexops.planning.amm import Pool, amount_out
from indexops.routes import delegated, trade_module
from indexops.routes.calls import function_fragment
from indexops.routes.delegated import FailedTrade
from indexops.routes.trade_module import Trade, module_total, unit_after_trade, units_to_receive_at_least, units_to_send
from indexops.sandbox import scenario
from tests.paths import SHIPPED_PRODUCTS

pytestmark = pytest.mark.chain

UNIT = 10**18
UNISWAP = "UniswapV2ExchangeAdapter"
SUSHISWAP = "SushiswapExchangeAdapter"
GAS_PER_TRADE = 400_000  # a Uniswap V2 trade through the extension, the manager and TradeModule: 200-300k
BASE_GAS = 100_000
DIRECT_MANAGER = 9  # an anvil dev account the sandbox gives no role


def _sbx(book) -> dict:
    return book["delegated"]["products"]["sbx"]


def _decoded(abi_name: str, call) -> tuple:
    fragment = function_fragment(abi_name, call.function.split("(")[0])
    assert call.data[:4] == selector(fragment)
    return decode([canonical_type(e) for e in fragment["inputs"]], call.data[4:])


def _send(w3, sender: str, call, gas: int = 1_500_000):
    tx_hash = w3.eth.send_transaction({"from": sender, "to": call.to, "data": "0x" + call.data.hex(), "gas": gas})
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash)
    assert receipt.status == 1, call.description
    return receipt


def _state(real, set_token: str, *tokens: str) -> dict:
    """(balance, unit) of each token in the SetToken."""
    st = real("SetToken", set_token)
    return {
        t: (real("StandardTokenMock", t).functions.balanceOf(set_token).call(), st.functions.getDefaultPositionRealUnit(t).call())
        for t in tokens
    }


def _pool(real, book, venue: str, send: str, receive: str) -> Pool:
    factory = real("UniswapV2Factory", book["venues"][venue]["factory"])
    pair = real("UniswapV2Pair", factory.functions.getPair(send, receive).call())
    reserve0, reserve1, _ = pair.functions.getReserves().call()
    return Pool(reserve0, reserve1) if send.lower() < receive.lower() else Pool(reserve1, reserve0)


def _exchanged(real, book, receipt) -> list[dict]:
    module = real("TradeModule", book["modules"]["trade"])
    return [e["args"] for e in module.events.ComponentExchanged().process_receipt(receipt, errors=DISCARD)]


# ---------------------------------------------------------------- the sbx product


def test_sbx_in_the_products_file_matches_the_deployment(w3, book, real):
    deployment = load_config(SHIPPED_PRODUCTS).file.products["sbx"].deployments["sandbox"]
    product, stack = _sbx(book), book["delegated"]
    assert (deployment.manager_kind, deployment.set_token, deployment.manager, deployment.operator, deployment.methodologist) == (
        "delegated", product["set_token"], product["delegated_manager"], product["operator"], product["methodologist"]
    )
    assert deployment.extensions == {k: stack["extensions"][k] for k in ("trade", "batch_trade", "fee_split")}
    assert dict(deployment.modules) == {k: book["modules"][k] for k in ("trade", "streaming_fee", "debt_issuance")}

    manager = contract(w3, "delegated/DelegatedManager", product["delegated_manager"]).functions
    assert (manager.owner().call(), manager.methodologist().call(), manager.getOperators().call()) == (
        book["accounts"]["deployer"], book["accounts"]["methodologist"], [w3.eth.accounts[scenario.DELEGATED_OPERATOR]]
    )
    set_token = real("SetToken", product["set_token"])
    components = set_token.functions.getComponents().call()
    assert components == [book["tokens"][s] for s in scenario.SBX.weights]
    assert set_token.functions.totalSupply().call() == scenario.SBX.supply * UNIT
    assert all(manager.isAllowedAsset(c).call() for c in components) and manager.useAssetAllowlist().call()
    batch = contract(w3, "delegated/BatchTradeExtension", stack["extensions"]["batch_trade"])
    assert batch.functions.getIntegrations().call() == [UNISWAP, SUSHISWAP, "UniswapV3ExchangeAdapter"]
    fee_recipient = real("StreamingFeeModule", book["modules"]["streaming_fee"]).functions.feeStates(set_token.address).call()[0]
    assert fee_recipient == product["delegated_manager"]  # fee splits distribute only what the manager holds


def test_status_reads_the_delegated_roles(cli, sandbox, book):
    result = cli("status", "sbx", "--config", SHIPPED_PRODUCTS, "--json")
    assert result.code == 0, result.err
    report = result.json()
    assert report["manager"] == {"kind": "delegated", "address": _sbx(book)["delegated_manager"]}
    assert {r["role"]: r["holders"] for r in report["roles"]} == {
        "owner": [_sbx(book)["owner"]], "methodologist": [_sbx(book)["methodologist"]], "operator": [_sbx(book)["operator"]],
    }
    assert all(m["initialized"] for m in report["modules"])


# ---------------------------------------------------------------- calldata


def test_trade_and_batch_calldata_decode_back(book):
    tokens, product = book["tokens"], _sbx(book)
    extension = book["delegated"]["extensions"]["trade"]
    call = delegated.trade_call(extension, product["set_token"], UNISWAP, tokens["UNI"], 123, tokens["WETH"], 45, b"\x01")
    assert call.data[:4].hex() == "0a5cb529" and call.signer_role == "operator" and call.to == extension
    assert _decoded("delegated/TradeExtension", call) == (
        product["set_token"].lower(), UNISWAP, tokens["UNI"].lower(), 123, tokens["WETH"].lower(), 45, b"\x01"
    )

    buy = Trade("buy", SUSHISWAP, tokens["WETH"], 7, tokens["COMP"], 8, label="buy COMP")
    sell = Trade("sell", UNISWAP, tokens["AAVE"], 9, tokens["WETH"], 10, label="sell AAVE")
    [batch] = delegated.batch_calls(book["delegated"]["extensions"]["batch_trade"], product["set_token"], [buy, sell],
                                    GAS_PER_TRADE, BASE_GAS, 10_000_000)
    assert batch.data[:4].hex() == "643654d5"
    set_token, items = _decoded("delegated/BatchTradeExtension", batch)
    assert set_token == product["set_token"].lower()
    assert [(name, s, q, r, m, d) for name, s, q, r, m, d in items] == [
        (UNISWAP, tokens["AAVE"].lower(), 9, tokens["WETH"].lower(), 10, b""),  # sells first
        (SUSHISWAP, tokens["WETH"].lower(), 7, tokens["COMP"].lower(), 8, b""),
    ]
    assert batch.extra == {"gas_limit": BASE_GAS + 2 * GAS_PER_TRADE}


# ---------------------------------------------------------------- TradeExtension


def test_trade_extension_trade_moves_real_balances(w3, book, real):
    tokens, product = book["tokens"], _sbx(book)
    uni, weth = tokens["UNI"], tokens["WETH"]
    supply = real("SetToken", product["set_token"]).functions.totalSupply().call()
    before = _state(real, product["set_token"], uni, weth)
    pool = _pool(real, book, "uniswap-v2", uni, weth)

    send_units = units_to_send(before[uni][0] // 10, supply)  # a tenth of the UNI, as a total
    sent = module_total(send_units, supply)
    received = amount_out(pool, sent)
    min_units = units_to_receive_at_least(received * 995 // 1000, supply)
    call = delegated.trade_call(book["delegated"]["extensions"]["trade"], product["set_token"], UNISWAP,
                                uni, send_units, weth, min_units, label="UNI -> WETH")
    receipt = _send(w3, product["operator"], call)

    [exchanged] = _exchanged(real, book, receipt)
    assert (exchanged["_totalSendAmount"], exchanged["_totalReceiveAmount"]) == (sent, received)
    after = _state(real, product["set_token"], uni, weth)
    assert after[uni] == (before[uni][0] - sent, unit_after_trade(supply, before[uni][0], before[uni][0] - sent, before[uni][1]))
    assert after[weth] == (before[weth][0] + received, unit_after_trade(supply, before[weth][0], before[weth][0] + received, before[weth][1]))
    assert module_total(after[uni][1], supply) <= after[uni][0]  # the position never claims more than is held


def test_a_non_operator_is_refused(w3, book):
    tokens, product = book["tokens"], _sbx(book)
    call = delegated.trade_call(book["delegated"]["extensions"]["trade"], product["set_token"], UNISWAP,
                                tokens["UNI"], UNIT, tokens["WETH"], 0)
    [batch] = delegated.batch_calls(book["delegated"]["extensions"]["batch_trade"], product["set_token"],
                                    [Trade("sell", UNISWAP, tokens["UNI"], UNIT, tokens["WETH"], 0)], GAS_PER_TRADE, BASE_GAS, 10**7)
    for stranger in (product["owner"], product["methodologist"], book["accounts"]["operator"]):
        for refused in (call, batch):
            with pytest.raises(ContractLogicError, match="Must be approved operator"):
                w3.eth.call({"from": stranger, "to": refused.to, "data": "0x" + refused.data.hex()})


# ---------------------------------------------------------------- BatchTradeExtension


def test_batch_with_an_impossible_minimum_succeeds_and_reports_the_failed_trade(w3, book, real):
    tokens, product = book["tokens"], _sbx(book)
    uni, aave, comp, weth = tokens["UNI"], tokens["AAVE"], tokens["COMP"], tokens["WETH"]
    trades = [
        Trade("sell", UNISWAP, uni, UNIT // 10, weth, 0, label="sell UNI"),
        Trade("sell", SUSHISWAP, aave, UNIT // 100, weth, 10**30, label="sell AAVE, impossible minimum"),
        Trade("buy", UNISWAP, weth, UNIT // 10_000, comp, 0, label="buy COMP"),
    ]
    extension = book["delegated"]["extensions"]["batch_trade"]
    [batch] = delegated.batch_calls(extension, product["set_token"], trades, GAS_PER_TRADE, BASE_GAS, 2_000_000)
    before = _state(real, product["set_token"], uni, aave, comp)

    receipt = _send(w3, product["operator"], batch, gas=batch.extra["gas_limit"])

    assert delegated.failed_trades(receipt["logs"], extension, product["set_token"]) == [
        FailedTrade(index=1, reason="UniswapV2Router: INSUFFICIENT_OUTPUT_AMOUNT", trade=trades[1].as_tuple())
    ]
    assert [(e["_sendToken"], e["_receiveToken"]) for e in _exchanged(real, book, receipt)] == [(uni, weth), (weth, comp)]
    after = _state(real, product["set_token"], uni, aave, comp)
    assert after[aave] == before[aave]
    assert after[uni][0] < before[uni][0] and after[comp][0] > before[comp][0]


def test_batches_split_by_the_gas_limit_run_every_trade(w3, book, real):
    tokens, product = book["tokens"], _sbx(book)
    trades = [
        Trade("buy", UNISWAP, tokens["WETH"], UNIT // 10_000, tokens["MANA"], 0, label="buy MANA"),
        Trade("sell", UNISWAP, tokens["SNX"], UNIT // 10, tokens["WETH"], 0, label="sell SNX"),
        Trade("sell", SUSHISWAP, tokens["COMP"], UNIT // 1000, tokens["WETH"], 0, label="sell COMP"),
    ]
    extension = book["delegated"]["extensions"]["batch_trade"]
    calls = delegated.batch_calls(extension, product["set_token"], trades, GAS_PER_TRADE, BASE_GAS, BASE_GAS + 2 * GAS_PER_TRADE)
    assert [len(_decoded("delegated/BatchTradeExtension", c)[1]) for c in calls] == [2, 1]

    exchanged = []
    for call in calls:
        receipt = _send(w3, product["operator"], call, gas=call.extra["gas_limit"])
        assert delegated.failed_trades(receipt["logs"], extension) == []
        exchanged += [e["_receiveToken"] for e in _exchanged(real, book, receipt)]
    assert exchanged == [tokens["WETH"], tokens["WETH"], tokens["MANA"]]


# ---------------------------------------------------------------- direct: TradeModule from the manager's own account


def direct_set(w3, book, real, supply: int = 3 * UNIT) -> tuple[str, str]:
    """A SetToken of UNI and WETH whose manager is an EOA (anvil account DIRECT_MANAGER): (set token, manager)."""
    tokens, modules = book["tokens"], book["modules"]
    manager, deployer = w3.eth.accounts[DIRECT_MANAGER], book["accounts"]["deployer"]
    uni, weth = tokens["UNI"], tokens["WETH"]
    creator = real("SetTokenCreator", book["set_token_creator"])
    receipt = w3.eth.wait_for_transaction_receipt(creator.functions.create(
        [uni, weth], [10 * UNIT, UNIT // 100], [modules["trade"], modules["basic_issuance"]], manager, "Direct Set", "DSET",
    ).transact({"from": deployer}))
    set_token = creator.events.SetTokenCreated().process_receipt(receipt, errors=DISCARD)[0]["args"]["_setToken"]
    module, issuance = real("TradeModule", modules["trade"]), real("BasicIssuanceModule", modules["basic_issuance"])
    module.functions.initialize(set_token).transact({"from": manager})
    issuance.functions.initialize(set_token, "0x" + "00" * 20).transact({"from": manager})
    real("WETH9", weth).functions.deposit().transact({"from": deployer, "value": UNIT})
    for token in (uni, weth):
        real("StandardTokenMock", token).functions.approve(issuance.address, 2**256 - 1).transact({"from": deployer})
    issuance.functions.issue(set_token, supply, deployer).transact({"from": deployer})
    return set_token, manager


def test_direct_trade_from_an_eoa_manager(w3, book, real):
    tokens, modules = book["tokens"], book["modules"]
    deployer, uni, weth = book["accounts"]["deployer"], tokens["UNI"], tokens["WETH"]
    supply = 3 * UNIT
    set_token, manager = direct_set(w3, book, real, supply)
    before = _state(real, set_token, uni, weth)

    send_units = units_to_send(10 * UNIT, supply)  # 10/3 per set: rounds down, so a total a little under 10
    received = amount_out(_pool(real, book, "sushiswap", uni, weth), module_total(send_units, supply))
    min_units = units_to_receive_at_least(received - 10, supply)  # rounds up: the module asks at least that much
    assert received - 10 <= module_total(min_units, supply) < received
    trade = Trade("sell", SUSHISWAP, uni, send_units, weth, min_units)
    call = trade_module.trade_call(modules["trade"], set_token, trade)
    assert call.data[:4].hex() == "0a5cb529" and _decoded("TradeModule", call)[3] == send_units
    with pytest.raises(ContractLogicError, match="Must be the SetToken manager"):
        w3.eth.call({"from": deployer, "to": call.to, "data": "0x" + call.data.hex()})
    _send(w3, manager, call)

    sent = module_total(send_units, supply)
    assert sent == 10 * UNIT - 1
    after = _state(real, set_token, uni, weth)
    assert after[uni] == (before[uni][0] - sent, unit_after_trade(supply, before[uni][0], before[uni][0] - sent, before[uni][1]))
    assert after[weth] == (before[weth][0] + received, unit_after_trade(supply, before[weth][0], before[weth][0] + received, before[weth][1]))
