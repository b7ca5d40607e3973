"""`indexops safe` on the sandbox: mvi's 2-of-3 Safe sets up a rebalance that the GIM trader then completes."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexops.plans import load_plan
from indexops.sandbox.arbitrage import Arbitrageur
from indexops.sandbox.replay import replay
from tests.paths import SHIPPED_PRODUCTS

pytestmark = pytest.mark.chain

OWNER_ACCOUNTS = ("4", "5")  # two of the Safe's three owners (anvil accounts 4, 5, 6)
MVI_COOL_OFF = 600  # products.toml: products.mvi.execution.cool_off


def plan_mvi(cli, directory: Path) -> Path:
    out = directory / "mvi.plan.json"
    result = cli("plan", "mvi", "--config", SHIPPED_PRODUCTS, "--gas-price", "30", "--out", out, "--json")
    assert result.code == 0, result.err
    return out


def export_for_safe(cli, plan_path: Path, *extra) -> Path:
    result = cli("safe", "export", plan_path, "--config", SHIPPED_PRODUCTS, "--json", *extra)
    assert result.code == 0, result.err
    return Path(result.json()["sidecar"])


def sign_as(cli, sidecar: Path, *accounts: str) -> None:
    for account in accounts:
        result = cli("safe", "sign", sidecar, "--account", account, "--config", SHIPPED_PRODUCTS, "--json")
        assert result.code == 0, result.err


def execution_info(real, book, set_token: str, component: str) -> dict:
    gim = real("GeneralIndexModule", book["modules"]["gim"])
    names = ("targetUnit", "maxSize", "coolOffPeriod", "lastTradeTimestamp", "exchangeName", "exchangeData")
    return dict(zip(names, gim.functions.executionInfo(set_token, component).call()))


def test_safe_signed_setup_then_trader_trades_complete_the_rebalance(cli, sandbox, w3, book, real, tmp_path):
    plan_path = plan_mvi(cli, tmp_path)
    plan = load_plan(plan_path)
    setup = [step for step in plan.steps if step.signer_role == "operator"]
    assert [step.function.split("(")[0] for step in setup][-1] == "startRebalanceWithUnits"
    sidecar = export_for_safe(cli, plan_path, "--multisend")
    sign_as(cli, sidecar, *OWNER_ACCOUNTS)
    safe = real("GnosisSafe", book["safe"]["safe"])
    assert safe.functions.nonce().call() == 0

    result = cli("safe", "exec", sidecar, "--account", "6", "--config", SHIPPED_PRODUCTS, "--yes", "--json")
    assert result.code == 0, result.err
    assert safe.functions.nonce().call() == 1
    assert len(result.json()["executed"]) == 1

    maximums = {}
    for step in setup:
        if step.function.startswith("setTradeMaximums"):
            maximums.update(zip(step.args["_components"], map(int, step.args["_tradeMaximums"])))
    adapters = {"uniswap-v2": "UniswapV2IndexExchangeAdapter", "sushiswap": "SushiswapIndexExchangeAdapter"}
    traded = {step.component: step for step in plan.steps if step.phase == "trade"}
    for row in plan.targets:
        info = execution_info(real, book, plan.set_token, row.address)
        assert info["targetUnit"] == row.target_unit, row.symbol
        if row.address in maximums:
            assert info["maxSize"] == maximums[row.address], row.symbol
        if row.symbol in traded:
            assert info["exchangeName"] == adapters[traded[row.symbol].venue], row.symbol
            assert info["coolOffPeriod"] == MVI_COOL_OFF, row.symbol

    trades = [step for step in plan.steps if step.phase == "trade"]
    replay(w3, trades, {"trader": book["accounts"]["trader"]}, Arbitrageur(w3, book))
    set_token = real("SetToken", plan.set_token)
    skipped = {trade.symbol for trade in plan.skipped}
    for row in plan.targets:
        if row.symbol == "WETH" or row.symbol in skipped or row.current_unit == row.target_unit:
            continue
        unit = set_token.functions.getDefaultPositionRealUnit(row.address).call()
        assert unit == pytest.approx(row.target_unit, rel=2e-3), row.symbol


def test_decode_simulate_shows_the_targets_on_a_fork_and_leaves_the_sandbox_unchanged(cli, sandbox, w3, book, real, tmp_path):
    plan_path = plan_mvi(cli, tmp_path)
    plan = load_plan(plan_path)
    sidecar = export_for_safe(cli, plan_path, "--multisend")
    safe = real("GnosisSafe", book["safe"]["safe"])
    before = {row.address: execution_info(real, book, plan.set_token, row.address) for row in plan.targets}
    block = w3.eth.block_number

    result = cli("safe", "decode", sidecar, "--simulate", "--config", SHIPPED_PRODUCTS, "--json")
    assert result.code == 0, result.err
    simulation = result.json()["simulation"]
    assert simulation["ok"] and [tx["nonce"] for tx in simulation["transactions"]] == [0]
    targets = {c["token"]: c["after"] for c in simulation["changes"] if c["field"] == "targetUnit"}
    for row in plan.targets:
        if before[row.address]["targetUnit"] != row.target_unit:
            assert targets[row.address] == row.target_unit, row.symbol
    nonce_change = [c for c in simulation["changes"] if (c["subject"], c["field"]) == ("Safe", "nonce")]
    assert [(c["before"], c["after"]) for c in nonce_change] == [(0, 1)]

    assert w3.eth.block_number == block
    assert safe.functions.nonce().call() == 0
    assert {row.address: execution_info(real, book, plan.set_token, row.address) for row in plan.targets} == before

    shown = cli("safe", "decode", sidecar, "--simulate", "--config", SHIPPED_PRODUCTS)
    assert shown.code == 0, shown.err
    assert "GIM executionInfo MANA" in shown.out and "targetUnit" in shown.out
