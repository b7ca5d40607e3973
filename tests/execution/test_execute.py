"""`indexops execute` on the sandbox: a full rebalance, resumption after SIGKILL at many points, refusals."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from indexops.plans import load_plan, seal, write_plan
from tests.paths import SHIPPED_PRODUCTS

pytestmark = pytest.mark.chain


def make_plan(cli, tmp_path, product="dpi", *extra, name="plan.json"):
    out = tmp_path / name
    result = cli("plan", product, "--config", SHIPPED_PRODUCTS, "--out", out, *extra)
    assert result.code == 0, result.err
    return out


def execute_args(plan_path, journal, *extra):
    return ("execute", plan_path, "--config", SHIPPED_PRODUCTS, "--journal", journal, "--yes", "--max-gas-wait", "0", *extra)


def gim_events(real, book, name):
    gim = real("GeneralIndexModule", book["modules"]["gim"])
    return getattr(gim.events, name)().get_logs(from_block=0)


def assert_units_reached(real, plan, rel):
    set_token = real("SetToken", plan.set_token)
    skipped = {t.symbol for t in plan.skipped}
    for row in plan.targets:
        if row.symbol == "WETH" or row.symbol in skipped or row.current_unit == row.target_unit:
            continue
        assert set_token.functions.getDefaultPositionRealUnit(row.address).call() == pytest.approx(row.target_unit, rel=rel), row.symbol


def test_full_dpi_rebalance_reaches_the_target_units(cli, sandbox, w3, book, real, tmp_path):
    path = make_plan(cli, tmp_path, "dpi", "--gas-price", "30")
    plan = load_plan(path)
    journal = tmp_path / "journal.sqlite3"
    result = cli(*execute_args(path, journal, "--account", "1", "--trader", "3", "--warp", "--json"))
    assert result.code == 0, result.err
    events = [json.loads(line) for line in result.out.splitlines()]
    assert [e["event"] for e in events].count("mined") == len(plan.steps)
    assert_units_reached(real, plan, rel=2e-3)
    trades = gim_events(real, book, "TradeExecuted")
    assert len(trades) == sum(1 for s in plan.steps if s.phase == "trade")

    again = cli(*execute_args(path, journal, "--account", "1", "--trader", "3", "--warp", "--json"))
    assert again.code == 0
    assert [json.loads(line)["event"] for line in again.out.splitlines()] == ["done"]
    assert len(gim_events(real, book, "TradeExecuted")) == len(trades)  # nothing sent twice

    status = cli("execute", path, "--config", SHIPPED_PRODUCTS, "--journal", journal, "--status", "--json")
    assert {row["state"] for row in status.json()["steps"]} == {"mined"}


KILL_POINTS = [
    ("signed", 1), ("sent", 1), ("recorded_sent", 1), ("mined", 1), ("recorded_mined", 1),
    ("signed", 2), ("sent", 2), ("mined", 2), ("recorded_sent", 3), ("recorded_mined", 2),
    ("signed", 3), ("sent", 3), ("mined", 3), ("cool_off", 1), ("signed", 1), ("sent", 1),
    ("recorded_sent", 1), ("mined", 1), ("recorded_mined", 1), ("cool_off", 1), ("sent", 2), ("mined", 2),
]


def test_sigkill_at_any_point_never_sends_a_step_twice(cli, sandbox, w3, book, real, tmp_path):
    path = make_plan(cli, tmp_path, "dpi", "--gas-price", "30")
    plan = load_plan(path)
    assert len(plan.steps) > 40  # enough steps that every kill below lands mid-plan
    journal = tmp_path / "journal.sqlite3"
    env = {k: v for k, v in os.environ.items() if k != "INDEXOPS_FAULT"}
    command = [sys.executable, "-m", "indexops", *map(str, execute_args(path, journal, "--account", "1", "--trader", "3"))]
    kills = 0
    for point, arrival in KILL_POINTS:
        warp = [] if point == "cool_off" else ["--warp"]
        done = subprocess.run([*command, *warp], env={**env, "INDEXOPS_FAULT": f"{point}:{arrival}"},
                              capture_output=True, text=True, timeout=120)
        if done.returncode == 0:
            break  # the plan finished before this point was reached
        assert done.returncode == -9, done.stderr
        kills += 1
    finished = subprocess.run([*command, "--warp"], env=env, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr
    assert kills >= 20

    trade_steps = [s for s in plan.steps if s.phase == "trade"]
    trades = gim_events(real, book, "TradeExecuted")
    assert len(trades) == len(trade_steps)  # every chunk exactly once, counted on chain
    assert len(gim_events(real, book, "RebalanceStarted")) == 1
    assert_units_reached(real, plan, rel=2e-3)


def test_gas_above_the_cap_sends_nothing(cli, sandbox, w3, book, tmp_path):
    path = make_plan(cli, tmp_path, "dpi", "--gas-price", "30")
    operator = book["products"]["dpi"]["operator"]
    nonce = w3.eth.get_transaction_count(operator)
    w3.provider.make_request("anvil_setNextBlockBaseFeePerGas", [hex(500 * 10**9)])
    w3.provider.make_request("evm_mine", [])
    try:
        result = cli(*execute_args(path, tmp_path / "j.sqlite3", "--account", "1", "--trader", "3",
                                   "--max-gas-price", "100", "--max-gas-wait", "0"))
    finally:  # the base fee is chain state the snapshot revert does not bring back
        w3.provider.make_request("anvil_setNextBlockBaseFeePerGas", [hex(10**9)])
        w3.provider.make_request("evm_mine", [])
    assert result.code == 1
    assert "above the cap of 100.00 gwei: nothing was sent" in result.err and result.err.count("\n") == 1
    assert w3.eth.get_transaction_count(operator) == nonce


def test_a_trade_by_someone_else_is_detected_as_drift(cli, sandbox, w3, book, real, tmp_path):
    path = make_plan(cli, tmp_path, "dpi", "--gas-price", "30")
    deployer = book["accounts"]["deployer"]
    router = real("UniswapV2Router02", book["venues"]["uniswap-v2"]["router"])
    router.functions.swapExactTokensForTokens(
        100_000 * 10**18, 0, [book["tokens"]["UNI"], book["tokens"]["WETH"]], deployer, 2**63
    ).transact({"from": deployer})
    result = cli(*execute_args(path, tmp_path / "j.sqlite3", "--account", "1", "--trader", "3", "--warp"))
    assert result.code == 2
    assert result.err.startswith("error: the chain moved since the plan was made: UNI price on uniswap-v2 moved -")
    assert "Re-run `indexops plan` (or pass --force to execute anyway)" in result.err
    assert len(gim_events(real, book, "RebalanceStarted")) == 0


def test_a_signer_without_the_role_sends_nothing(cli, sandbox, w3, book, tmp_path):
    path = make_plan(cli, tmp_path, "dpi", "--gas-price", "30")
    result = cli(*execute_args(path, tmp_path / "j.sqlite3", "--account", "5", "--trader", "3"))
    assert result.code == 2
    assert result.err == (
        f"error: step 0 needs the operator role, which {book['accounts']['safe_owners'][1]} does not hold "
        f"(held by {book['products']['dpi']['operator']}): choose the right signer with --account\n"
    )


def test_a_plan_for_another_chain_is_refused(cli, sandbox, tmp_path):
    path = make_plan(cli, tmp_path, "dpi", "--gas-price", "30")
    document = load_plan(path).model_dump()
    document.pop("content_hash")
    document["chain_id"] = 1
    other = write_plan(seal(document), tmp_path / "other.json")
    result = cli(*execute_args(other, tmp_path / "j.sqlite3", "--account", "1", "--trader", "3"))
    assert result.code == 1
    assert result.err == "error: the plan is for chain 1 but the RPC is chain 31337\n"


def test_a_tampered_plan_is_refused(cli, sandbox, tmp_path):
    path = make_plan(cli, tmp_path, "dpi", "--gas-price", "30")
    path.write_text(path.read_text().replace('"chunk": 1', '"chunk": 2', 1))
    result = cli(*execute_args(path, tmp_path / "j.sqlite3", "--account", "1", "--trader", "3"))
    assert result.code == 2 and "does not match its content hash" in result.err


def test_missing_keystore_and_wrong_password_are_one_line(cli, sandbox, tmp_path, monkeypatch):
    from eth_account import Account

    path = make_plan(cli, tmp_path, "dpi", "--gas-price", "30")
    missing = cli(*execute_args(path, tmp_path / "j.sqlite3", "--keystore", tmp_path / "nope.json", "--trader", "3"))
    assert missing.code == 2 and missing.err.count("\n") == 1 and "nope.json" in missing.err
    keystore = tmp_path / "ops.json"
    keystore.write_text(json.dumps(Account.encrypt("0x" + "11" * 32, "right", kdf="pbkdf2", iterations=16)))
    monkeypatch.setenv("INDEXOPS_KEYSTORE_PASSWORD", "wrong")
    wrong = cli(*execute_args(path, tmp_path / "j.sqlite3", "--keystore", keystore, "--trader", "3"))
    assert wrong.code == 2 and wrong.err.count("\n") == 1 and "wrong password" in wrong.err
    assert "11" * 16 not in wrong.err and "wrong\n" not in wrong.err.replace("wrong password", "")


def test_a_failed_trade_inside_a_batch_is_reported_and_a_new_plan_finishes(cli, sandbox, w3, book, real, tmp_path):
    path = make_plan(cli, tmp_path, "sbx", "--gas-price", "30", "--batch")
    deployer = book["accounts"]["deployer"]
    router = real("UniswapV2Router02", book["venues"]["uniswap-v2"]["router"])
    # someone dumps AAVE after the plan: its planned minimum receive can no longer be met
    router.functions.swapExactTokensForTokens(
        40_000 * 10**18, 0, [book["tokens"]["AAVE"], book["tokens"]["WETH"]], deployer, 2**63
    ).transact({"from": deployer})
    journal = tmp_path / "j.sqlite3"
    failed = cli(*execute_args(path, journal, "--account", "7", "--force", "--warp"))
    assert failed.code == 1
    assert "trade(s) failed inside the batch" in failed.err and "INSUFFICIENT_OUTPUT_AMOUNT" in failed.err

    retry = make_plan(cli, tmp_path, "sbx", "--gas-price", "30", "--batch", name="retry.json")
    done = cli(*execute_args(retry, journal, "--account", "7", "--warp"))
    assert done.code == 0, done.err
    assert_units_reached(real, load_plan(retry), rel=5e-3)


def test_rehearsal_runs_on_a_fork_and_sends_nothing(cli, sandbox, w3, book, real, tmp_path):
    path = make_plan(cli, tmp_path, "dpi", "--gas-price", "30")
    plan = load_plan(path)
    operator, trader = book["products"]["dpi"]["operator"], book["accounts"]["trader"]
    nonces = (w3.eth.get_transaction_count(operator), w3.eth.get_transaction_count(trader))
    result = cli("execute", path, "--config", SHIPPED_PRODUCTS, "--rehearse", "--json")
    assert result.code == 0, result.err
    rehearsed = [json.loads(line) for line in result.out.splitlines()]
    assert [e["step"] for e in rehearsed] == [s.index for s in plan.steps]
    assert all(e["ok"] for e in rehearsed) and all(e["gas_used"] > 0 for e in rehearsed)
    assert (w3.eth.get_transaction_count(operator), w3.eth.get_transaction_count(trader)) == nonces
    assert gim_events(real, book, "RebalanceStarted") == []


def test_rehearsal_reports_a_step_that_would_fail(cli, sandbox, w3, book, real, tmp_path):
    path = make_plan(cli, tmp_path, "dpi", "--gas-price", "30")
    first_trade = next(s.index for s in load_plan(path).steps if s.phase == "trade")
    result = cli("execute", path, "--config", SHIPPED_PRODUCTS, "--rehearse", "--trader", "5")
    assert result.code == 2
    assert result.err.endswith(f"would fail; first: step {first_trade} (Address not permitted to trade)\n")
