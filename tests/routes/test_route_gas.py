"""Each route's gas model against real receipts: one trade per route executed on the sandbox, within 10%."""

from __future__ import annotations

import pytest

from indexops.config.loader import load_config
from indexops.config.selection import choose_product
from indexops.plans import load_plan
from indexops.routes import direct, trade_module
from indexops.routes.choose import route_for
from indexops.routes.trade_module import Trade, units_to_send
from tests.paths import SHIPPED_PRODUCTS
from tests.routes.test_delegated_route import SUSHISWAP, UNIT, direct_set

pytestmark = pytest.mark.chain

SIGNERS = {"dpi": {"operator": 1, "trader": 3}, "sbx": {"operator": 7}}
TOLERANCE = 0.10


def _send(w3, account: int, step):
    tx_hash = w3.eth.send_transaction({"from": w3.eth.accounts[account], "to": step.to, "data": step.data,
                                       "gas": 3_000_000})
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash)
    assert receipt.status == 1, step.description
    return receipt


def _first_trade_gas(cli, w3, tmp_path, product: str, *flags: str):
    """Plan `product`, send its set-up and its first trade from the role holders; (plan, first trade, gas used)."""
    out = tmp_path / f"{product}.plan.json"
    assert cli("plan", product, "--config", SHIPPED_PRODUCTS, "--out", out, *flags).code == 0
    plan = load_plan(out)
    for step in plan.steps:
        receipt = _send(w3, SIGNERS[product][step.signer_role], step)
        if step.phase == "trade":
            return plan, step, receipt["gasUsed"]
    raise AssertionError("the plan has no trade")


def _route(product: str, batch: bool = False):
    return route_for(choose_product(load_config(SHIPPED_PRODUCTS), product, "sandbox"), batch)


def _assert_close(model: int, receipt: int) -> None:
    assert abs(model - receipt) <= TOLERANCE * receipt, f"model {model:,} vs receipt {receipt:,}"


def test_gim_route_gas(cli, sandbox, w3, tmp_path):
    """A component's later chunks, most of a rebalance's trades (its first also writes GIM's trade clock: ~+15%)."""
    plan, first, _used = _first_trade_gas(cli, w3, tmp_path, "dpi")
    second = next(s for s in plan.steps if s.component == first.component and s.chunk == 2)
    w3.provider.make_request("evm_increaseTime", [first.cool_off_after + 1])
    w3.provider.make_request("evm_mine", [])
    _assert_close(_route("dpi").gas.of(1), _send(w3, SIGNERS["dpi"]["trader"], second)["gasUsed"])


def test_delegated_route_gas(cli, sandbox, w3, tmp_path):
    _plan, _step, used = _first_trade_gas(cli, w3, tmp_path, "sbx")
    _assert_close(_route("sbx").gas.of(1), used)


def test_delegated_batch_route_gas(cli, sandbox, w3, tmp_path):
    _plan, step, used = _first_trade_gas(cli, w3, tmp_path, "sbx", "--batch")
    trades = len(step.args["_trades"])
    assert trades > 1
    _assert_close(_route("sbx", batch=True).gas.of(trades), used)


def test_direct_route_gas(w3, book, real):
    set_token, manager = direct_set(w3, book, real)
    uni, weth = book["tokens"]["UNI"], book["tokens"]["WETH"]
    trade = Trade("sell", SUSHISWAP, uni, units_to_send(UNIT, 3 * UNIT), weth, 1)
    call = trade_module.trade_call(book["modules"]["trade"], set_token, trade)
    tx_hash = w3.eth.send_transaction({"from": manager, "to": call.to, "data": "0x" + call.data.hex(), "gas": 3_000_000})
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash)
    assert receipt.status == 1
    _assert_close(direct.GAS.of(1), receipt["gasUsed"])
