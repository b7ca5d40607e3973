"""`indexops lever engage|disengage` on the sandbox's real FlexibleLeverageStrategyExtension, executed by
`indexops execute`: the chunks the plan predicts are the chunks the contract makes, and refusals send nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from indexops.chain.abis import contract
from indexops.plans import load_plan, seal, write_plan
from tests.paths import SHIPPED_PRODUCTS

pytestmark = pytest.mark.chain

PRECISE = 10**18
FLI = "eth2x-fli"


def mined(w3, tx_hash) -> None:
    """Wait for the transaction's receipt (anvil answers eth_sendTransaction before its block is readable)."""
    assert w3.eth.wait_for_transaction_receipt(tx_hash, poll_latency=0.01).status == 1


def lever_plan(cli, tmp_path, action, product=FLI, *extra, name=None):
    out = tmp_path / (name or f"{action}.json")
    result = cli("lever", action, product, "--config", SHIPPED_PRODUCTS, "--out", out, *extra)
    assert result.code == 0, result.err
    return out


def execute_args(plan_path, journal, *extra):
    return (
        "execute",
        plan_path,
        "--config",
        SHIPPED_PRODUCTS,
        "--journal",
        journal,
        "--yes",
        "--max-gas-wait",
        "0",
        *extra,
    )


def strategy(real, book, product=FLI):
    return real("FlexibleLeverageStrategyExtension", book["leverage"]["products"][product]["strategy"])


def calls_made(fli, since: int) -> list[str]:
    """The strategy's engage / iterate / disengage events since block `since`, in order."""
    found = []
    for name in ("Engaged", "RebalanceIterated", "Disengaged"):
        found += [
            (log["blockNumber"], log["logIndex"], name)
            for log in getattr(fli.events, name)().get_logs(from_block=since)
        ]
    return [name for *_, name in sorted(found)]


def test_disengage_fully_then_engage_again_lands_on_the_target(cli, sandbox, w3, book, real, tmp_path):
    fli = strategy(real, book)
    journal = tmp_path / "journal.sqlite3"
    start = w3.eth.block_number + 1

    disengage = lever_plan(cli, tmp_path, "disengage")
    planned = load_plan(disengage)
    assert planned.route == "fli" and planned.targets == () and planned.totals.total_cost_usd == 0
    assert {s.signer_role for s in planned.steps} == {"operator"}
    assert all(s.function == "disengage(string)" for s in planned.steps)
    cooldown = fli.functions.getExecution().call()[2]
    assert all(s.cool_off_after == cooldown + 1 for s in planned.steps)
    done = cli(*execute_args(disengage, journal, "--account", "1", "--warp"))
    assert done.code == 0, done.err
    assert calls_made(fli, start) == ["Disengaged"] * len(planned.steps)
    set_token = book["leverage"]["products"][FLI]["set_token"]
    borrow = contract(w3, "compound/CErc20", book["leverage"]["products"][FLI]["borrow_ctoken"])
    assert borrow.functions.borrowBalanceStored(set_token).call() == 0
    assert fli.functions.getCurrentLeverageRatio().call() == PRECISE

    middle = w3.eth.block_number + 1
    engage = lever_plan(cli, tmp_path, "engage")
    plan = load_plan(engage)
    assert [s.signer_role for s in plan.steps] == ["operator"] + ["keeper"] * (len(plan.steps) - 1)
    assert plan.steps[0].function == "engage(string)"
    assert {s.function for s in plan.steps[1:]} == {"iterateRebalance(string)"}
    exchanges = [s.args["_exchangeName"] for s in plan.steps]
    assert all(a != b for a, b in zip(exchanges, exchanges[1:], strict=False))  # alternating
    done = cli(*execute_args(engage, journal, "--account", "1", "--warp", "--json"))
    assert done.code == 0, done.err
    events = [json.loads(line) for line in done.out.splitlines()]
    assert [e["event"] for e in events].count("mined") == len(plan.steps)
    assert calls_made(fli, middle) == ["Engaged"] + ["RebalanceIterated"] * (len(plan.steps) - 1)
    assert fli.functions.twapLeverageRatio().call() == 0

    target, minimum, maximum = fli.functions.getMethodology().call()[:3]
    ratio = fli.functions.getCurrentLeverageRatio().call()
    assert minimum < ratio < maximum
    assert abs(ratio - target) / target < 0.005  # at the target, within the recentring's precision
    assert ratio == pytest.approx(plan.steps[-1].expected["ratio_after"], rel=1e-4)


def test_a_keeper_off_the_allowlist_sends_nothing(cli, sandbox, w3, book, tmp_path):
    disengage = lever_plan(cli, tmp_path, "disengage")
    assert cli(*execute_args(disengage, tmp_path / "j.sqlite3", "--account", "1", "--warp")).code == 0
    engage = lever_plan(cli, tmp_path, "engage")
    operator, stranger = book["accounts"]["operator"], w3.eth.accounts[5]
    nonces = (w3.eth.get_transaction_count(operator), w3.eth.get_transaction_count(stranger))
    result = cli(*execute_args(engage, tmp_path / "j.sqlite3", "--account", "1", "--keeper", "5", "--warp"))
    assert result.code == 2
    assert result.err == (
        f"error: step 1 needs the keeper role, which {stranger} does not hold "
        f"(held by {book['accounts']['keeper']}): choose the right signer with --keeper\n"
    )
    assert (w3.eth.get_transaction_count(operator), w3.eth.get_transaction_count(stranger)) == nonces


def test_an_operator_step_needs_the_managers_operator(cli, sandbox, w3, book, tmp_path):
    disengage = lever_plan(cli, tmp_path, "disengage")
    keeper = book["accounts"]["keeper"]
    nonce = w3.eth.get_transaction_count(keeper)
    result = cli(*execute_args(disengage, tmp_path / "j.sqlite3", "--account", "9"))
    assert result.code == 2
    assert result.err == (
        f"error: step 0 needs the operator role, which {keeper} does not hold "
        f"(held by {book['accounts']['operator']}): choose the right signer with --account\n"
    )
    assert w3.eth.get_transaction_count(keeper) == nonce


def test_a_plan_with_iterate_steps_nobody_may_send_is_refused(cli, sandbox, w3, book, real, tmp_path):
    fli = strategy(real, book)
    operator, keeper = book["accounts"]["operator"], book["accounts"]["keeper"]
    disengage = lever_plan(cli, tmp_path, "disengage")
    assert cli(*execute_args(disengage, tmp_path / "j.sqlite3", "--account", "1", "--warp")).code == 0
    mined(w3, fli.functions.updateCallerStatus([keeper], [False]).transact({"from": operator}))
    result = cli("lever", "engage", FLI, "--config", SHIPPED_PRODUCTS, "--out", tmp_path / "engage.json")
    assert result.code == 2 and result.err.count("\n") == 1
    assert result.err.startswith("error: iterateRebalance must be sent by an EOA on the strategy's caller allowlist")
    assert not (tmp_path / "engage.json").exists()


def test_bad_lever_inputs_are_one_line(cli, sandbox, w3, tmp_path):
    unknown = cli("lever", "disengage", FLI, "--config", SHIPPED_PRODUCTS, "--exchange", "Nowhere")
    assert unknown.code == 2
    assert unknown.err == (
        "error: unknown exchange 'Nowhere': the strategy's enabled exchanges are "
        "UniswapV2ExchangeAdapter, SushiswapExchangeAdapter\n"
    )
    engaged = cli("lever", "engage", FLI, "--config", SHIPPED_PRODUCTS)
    assert engaged.code == 2 and engaged.err.count("\n") == 1 and "is engaged already" in engaged.err
    index = cli("lever", "engage", "dpi", "--config", SHIPPED_PRODUCTS)
    assert index.code == 2 and "dpi is not a leverage token" in index.err
    rebalance = cli("plan", FLI, "--config", SHIPPED_PRODUCTS)
    assert rebalance.code == 2 and "indexops lever engage|disengage|settings eth2x-fli" in rebalance.err


def test_a_stale_or_tampered_lever_plan_is_refused(cli, sandbox, w3, book, real, tmp_path):
    disengage = lever_plan(cli, tmp_path, "disengage")
    tampered = tmp_path / "tampered.json"
    tampered.write_text(disengage.read_text().replace('"chunk": 1', '"chunk": 2', 1))
    result = cli(*execute_args(tampered, tmp_path / "j.sqlite3", "--account", "1"))
    assert result.code == 2 and "does not match its content hash" in result.err

    document = load_plan(disengage).model_dump()
    document.pop("content_hash")
    document["chain_id"] = 1
    other = write_plan(seal(document), tmp_path / "other.json")
    result = cli(*execute_args(other, tmp_path / "j.sqlite3", "--account", "1"))
    assert result.code == 1 and result.err == "error: the plan is for chain 1 but the RPC is chain 31337\n"

    operator = book["accounts"]["operator"]
    fli = strategy(real, book)
    methodology = list(fli.functions.getMethodology().call())
    methodology[3] = methodology[3] * 2  # the operator changes the recentering speed after the plan
    mined(w3, fli.functions.setMethodologySettings(tuple(methodology)).transact({"from": operator}))
    nonce = w3.eth.get_transaction_count(operator)
    result = cli(*execute_args(disengage, tmp_path / "j.sqlite3", "--account", "1", "--warp"))
    assert result.code == 2
    assert result.err == (
        "error: the chain moved since the plan was made: the strategy's methodology settings changed. "
        "Re-run `indexops lever disengage eth2x-fli` (or pass --force to execute anyway)\n"
    )
    assert w3.eth.get_transaction_count(operator) == nonce


def test_a_price_move_beyond_the_tolerance_is_drift(cli, sandbox, w3, tmp_path):
    disengage = lever_plan(cli, tmp_path, "disengage")
    assert cli("sandbox", "price", "ETH", "--by", "-5").code == 0
    result = cli(*execute_args(disengage, tmp_path / "j.sqlite3", "--account", "1", "--warp"))
    assert result.code == 2
    assert "ratio moved +" in result.err and "collateral price moved -5.00% (tolerance 0.5%)" in result.err


def test_sigkill_in_a_lever_plan_never_sends_a_step_twice(cli, sandbox, w3, book, real, tmp_path):
    fli = strategy(real, book)
    start = w3.eth.block_number + 1
    path = lever_plan(cli, tmp_path, "disengage")
    plan = load_plan(path)
    assert len(plan.steps) >= 3
    journal = tmp_path / "journal.sqlite3"
    env = {k: v for k, v in os.environ.items() if k != "INDEXOPS_FAULT"}
    command = [sys.executable, "-m", "indexops", *map(str, execute_args(path, journal, "--account", "1", "--warp"))]
    killed = subprocess.run(
        command, env={**env, "INDEXOPS_FAULT": "sent:2"}, capture_output=True, text=True, timeout=120
    )
    assert killed.returncode == -9, killed.stderr
    assert calls_made(fli, start) == ["Disengaged"] * 2  # the second one's transaction was in flight
    finished = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr
    assert calls_made(fli, start) == ["Disengaged"] * len(plan.steps)  # each chunk once, counted on chain
    borrow = contract(w3, "compound/CErc20", book["leverage"]["products"][FLI]["borrow_ctoken"])
    assert borrow.functions.borrowBalanceStored(book["leverage"]["products"][FLI]["set_token"]).call() == 0
