"""`indexops report pnl eth2x-fli` on the sandbox after real fee actions: thirty days of streaming fee accrued and
distributed through the FeeSplitAdapter by the operator; the report's revenue, takes and gas are what the
contracts' events and the receipt say."""

from __future__ import annotations

import csv
import io
import re

import pytest
from web3.logs import DISCARD

from tests.paths import SHIPPED_PRODUCTS

pytestmark = pytest.mark.chain

DAY = 86_400
OPERATOR = 1  # anvil account 1: the sandbox products' operator, on the split's caller allowlist
PRECISE_UNIT = 10**18


def _accrue_and_distribute(w3, book, real) -> dict:
    """accrueFeesAndDistribute after 30 days; what the events and balances say it did."""
    from indexops.cli.context import product as target_of

    deployment = target_of(SHIPPED_PRODUCTS, "eth2x-fli", None).deployment
    token = real("SetToken", deployment.set_token)
    adapter = real("FeeSplitAdapter", deployment.extensions["fee_split"])
    module = real("StreamingFeeModule", deployment.modules["streaming_fee"])
    manager = real("BaseManager", adapter.functions.manager().call())
    operator, methodologist = manager.functions.operator().call(), manager.functions.methodologist().call()
    before = {who: token.functions.balanceOf(who).call() for who in (operator, methodologist)}
    w3.provider.make_request("evm_increaseTime", [30 * DAY])
    sent = adapter.functions.accrueFeesAndDistribute().transact({"from": w3.eth.accounts[OPERATOR]})
    receipt = w3.eth.wait_for_transaction_receipt(sent)
    assert receipt.status == 1 and receipt["from"] == operator
    (actualized,) = module.events.FeeActualized().process_receipt(receipt, errors=DISCARD)
    (accrued,) = adapter.events.FeesAccrued().process_receipt(receipt, errors=DISCARD)
    taken = {who: token.functions.balanceOf(who).call() - before[who] for who in (operator, methodologist)}
    assert (taken[operator], taken[methodologist]) == (accrued.args._operatorTake, accrued.args._methodologistTake)
    return {
        "block": receipt.blockNumber,
        "manager_fee": actualized.args._managerFee,
        "operator_take": taken[operator],
        "methodologist_take": taken[methodologist],
        "gas_wei": receipt.gasUsed * receipt.effectiveGasPrice,
        "operator_share": adapter.functions.operatorFeeSplit().call(),
        "supply": token.functions.totalSupply().call(block_identifier=receipt.blockNumber),
    }


def test_the_report_is_what_the_fee_distribution_did(cli, sandbox, w3, book, real, tmp_path):
    done = _accrue_and_distribute(w3, book, real)
    assert done["manager_fee"] > 0 and done["operator_take"] + done["methodologist_take"] == done["manager_fee"]
    block = str(done["block"])
    args = ("report", "pnl", "eth2x-fli", "--config", SHIPPED_PRODUCTS, "--from", block, "--to", block)

    result = cli(*args, "--json", "--scenario", "split=85/15,gas=holders")
    assert result.code == 0, result.err
    report = result.json()
    totals = report["totals"]
    assert (report["from_block"], report["to_block"]) == (done["block"], done["block"])
    assert totals["gas_wei"] == done["gas_wei"] and totals["operator_gas"] > 0 == totals["keeper_gas"]
    assert totals["revenue"] == totals["streaming_fees"] > 0
    # one block, one price: USD in the proportions of the sets the events and balances show
    price = totals["revenue"] / done["manager_fee"]
    assert totals["operator_take"] == pytest.approx(price * done["operator_take"], rel=1e-12)
    assert totals["methodologist_take"] == pytest.approx(price * done["methodologist_take"], rel=1e-12)
    assert totals["undistributed"] == pytest.approx(0, abs=1e-9 * totals["revenue"])
    assert totals["methodologist_take"] / totals["revenue"] == pytest.approx(
        1 - done["operator_share"] / PRECISE_UNIT, abs=1e-12
    )
    assert totals["operator_net"] == pytest.approx(totals["operator_take"] - totals["operator_gas"])
    assert [m["month"] for m in report["months"]] == [report["months"][0]["month"]]
    scenario = report["scenario"]["totals"]
    assert scenario["operator_revenue"] == pytest.approx(0.85 * totals["revenue"])
    assert (scenario["holders_gas"], scenario["operator_gas"]) == (pytest.approx(totals["gas"]), 0)
    assert report["supply"] == pytest.approx(done["supply"] / PRECISE_UNIT, rel=1e-12)  # one block: its supply
    assert scenario["holders_gas_per_token"] == pytest.approx(totals["gas"] / report["supply"], rel=1e-12)

    csv_path = tmp_path / "pnl.csv"
    shown = cli(*args, "--csv", csv_path)
    assert shown.code == 0, shown.err
    assert "income before overheads" in shown.out and "each UTC month" in shown.out
    assert "● revenue" in shown.out  # the chart's key under the chart
    rows = list(csv.DictReader(io.StringIO(csv_path.read_text())))
    assert {r["party"]: float(r["take_usd"]) for r in rows} == {
        "operator": pytest.approx(totals["operator_take"], abs=0.005),
        "methodologist": pytest.approx(totals["methodologist_take"], abs=0.005),
        "protocol": pytest.approx(totals["protocol_fees"], abs=0.005),
        "undistributed": pytest.approx(totals["undistributed"], abs=0.005),
        "holders": 0.0,
    }
    piped = cli(*args, "--csv", "-")  # stdout carries the CSV alone
    assert piped.code == 0 and piped.out == csv_path.read_text(), piped.err


def test_a_product_without_fees_is_one_line_exit_2(cli, sandbox, tmp_path):
    text = SHIPPED_PRODUCTS.read_text()
    start = text.index("[products.eth2x-fli.deployments.sandbox]")
    line_start = text.index("modules = {", start)
    line_end = text.index("\n", line_start)
    modules = re.sub(r'(debt_issuance|streaming_fee) = "0x[0-9a-fA-F]{40}", ', "", text[line_start:line_end])
    assert "streaming_fee" not in modules and "debt_issuance" not in modules and "claim" in modules
    edited = text[:line_start] + modules + text[line_end:]
    products = tmp_path / "products.toml"
    products.write_text(edited)
    result = cli("report", "pnl", "eth2x-fli", "--config", products)
    assert result.code == 2 and result.out == "" and result.err.count("\n") == 1, result.err
    assert result.err.startswith("error: ") and "no fees to report" in result.err
