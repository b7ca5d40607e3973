"""`indexops execute` with a Safe-operated product, through the CLI only: the Safe's set-up is exported,
signed and executed by its owners, then `execute` checks it on chain and the trader completes the rebalance."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from indexops.plans import load_plan
from tests.execution.test_execute import assert_units_reached, execute_args, gim_events, make_plan
from tests.paths import SHIPPED_PRODUCTS

pytestmark = pytest.mark.chain

OWNER_ACCOUNTS = ("4", "5")  # two of the Safe's three owners (anvil accounts 4, 5, 6)


def export_for_safe(cli, plan_path: Path, journal: Path, out: Path) -> Path:
    result = cli("execute", plan_path, "--config", SHIPPED_PRODUCTS, "--journal", journal, "--safe", "--multisend",
                 "--out", out, "--json")
    assert result.code == 0, result.err
    exported = result.json()
    assert Path(exported["sidecar"]).is_file() and all(Path(p).is_file() for p in exported["batches"])
    return Path(exported["sidecar"])


def test_safe_executes_the_setup_then_execute_journals_it_and_trades(cli, sandbox, w3, book, real, tmp_path):
    path = make_plan(cli, tmp_path, "mvi", "--gas-price", "30")
    plan = load_plan(path)
    setup = [s.index for s in plan.steps if s.signer_role == "operator"]
    trades = [s.index for s in plan.steps if s.phase == "trade"]
    assert setup and trades and setup == list(range(len(setup)))
    journal = tmp_path / "journal.sqlite3"
    safe = real("GnosisSafe", book["safe"]["safe"])
    block = w3.eth.block_number

    sidecar = export_for_safe(cli, path, journal, tmp_path / "safe")
    assert w3.eth.block_number == block  # nothing sent
    shown = cli("execute", path, "--config", SHIPPED_PRODUCTS, "--journal", journal, "--safe", "--multisend",
                "--out", tmp_path / "again")
    assert shown.code == 0, shown.err
    assert "Nothing was sent" in shown.out and str(tmp_path / "again") in shown.out

    for account in OWNER_ACCOUNTS:
        signed = cli("safe", "sign", sidecar, "--account", account, "--config", SHIPPED_PRODUCTS, "--json")
        assert signed.code == 0, signed.err
    executed = cli("safe", "exec", sidecar, "--account", "4", "--config", SHIPPED_PRODUCTS, "--yes", "--json")
    assert executed.code == 0, executed.err
    assert safe.functions.nonce().call() == 1
    safe_tx = json.loads(sidecar.read_text())["transactions"][0]["executedIn"]
    assert safe_tx

    result = cli(*execute_args(path, journal, "--trader", "3", "--warp", "--safe-file", sidecar, "--json"))
    assert result.code == 0, result.err
    events = [json.loads(line) for line in result.out.splitlines()]
    assert [e["step"] for e in events if e["event"] == "external"] == setup
    assert {e["tx_hash"] for e in events if e["event"] == "external"} == {safe_tx}
    assert [e["step"] for e in events if e["event"] == "mined"] == trades
    assert_units_reached(real, plan, rel=2e-3)
    assert len(gim_events(real, book, "TradeExecuted")) == len(trades)
    assert len(gim_events(real, book, "RebalanceStarted")) == 1

    status = cli("execute", path, "--config", SHIPPED_PRODUCTS, "--journal", journal, "--status", "--json")
    assert status.code == 0, status.err
    states = {row["step"]: (row["state"], row["tx_hash"]) for row in status.json()["steps"]}
    assert all(states[i] == ("external", safe_tx) for i in setup)
    assert all(states[i][0] == "mined" for i in trades)

    again = cli(*execute_args(path, journal, "--trader", "3", "--warp", "--json"))
    assert again.code == 0, again.err
    assert [json.loads(line)["event"] for line in again.out.splitlines()] == ["done"]
    assert len(gim_events(real, book, "TradeExecuted")) == len(trades)  # nothing sent twice


def test_trader_run_before_the_safe_executed_sends_nothing(cli, sandbox, w3, book, real, tmp_path):
    path = make_plan(cli, tmp_path, "mvi", "--gas-price", "30")
    journal = tmp_path / "journal.sqlite3"
    sidecar = export_for_safe(cli, path, journal, tmp_path)
    trader = book["accounts"]["trader"]
    nonce, block = w3.eth.get_transaction_count(trader), w3.eth.block_number

    for _ in range(2):  # a second try says the same: nothing was journaled as done
        result = cli(*execute_args(path, journal, "--trader", "3", "--warp", "--safe-file", sidecar))
        assert result.code == 2
        assert result.err == (
            f"error: step 0 must be executed by the Safe {book['safe']['safe']} first: "
            f"export it with `indexops execute {path} --safe`\n"
        )
    assert (w3.eth.get_transaction_count(trader), w3.eth.block_number) == (nonce, block)
    assert gim_events(real, book, "RebalanceStarted") == []
    status = cli("execute", path, "--config", SHIPPED_PRODUCTS, "--journal", journal, "--status", "--json")
    assert {row["state"] for row in status.json()["steps"]} == {"planned"}


def test_batch_is_refused_for_a_gim_plan_and_a_plan_made_without_batch(cli, sandbox, w3, tmp_path):
    block = w3.eth.block_number
    gim = make_plan(cli, tmp_path, "mvi", "--gas-price", "30", name="mvi.json")
    result = cli(*execute_args(gim, tmp_path / "j.sqlite3", "--trader", "3", "--batch"))
    assert result.code == 2
    assert result.err == (
        "error: GIM trades are single calls from the trader's EOA and cannot be batched; "
        "the operator set-up batches through a Safe (`--safe --multisend`)\n"
    )

    serial = make_plan(cli, tmp_path, "sbx", "--gas-price", "30", name="sbx.json")
    result = cli(*execute_args(serial, tmp_path / "j.sqlite3", "--account", "7", "--batch"))
    assert result.code == 2
    assert result.err == "error: this plan was made without --batch: re-plan with `indexops plan sbx --batch`\n"
    assert w3.eth.block_number == block


def test_execute_safe_out_with_a_json_name_writes_that_batch_file(cli, sandbox, w3, tmp_path):
    path = make_plan(cli, tmp_path, "mvi", "--gas-price", "30")
    out = tmp_path / "exports" / "mvi-setup.json"
    out.parent.mkdir()
    result = cli("execute", path, "--config", SHIPPED_PRODUCTS, "--journal", tmp_path / "j.sqlite3", "--safe",
                 "--multisend", "--out", out, "--json")
    assert result.code == 0, result.err
    exported = result.json()
    assert exported["batches"] == [str(out)] and exported["sidecar"] == str(out.parent / "mvi-setup.safetx.json")
    assert out.is_file() and not (tmp_path / "exports" / "mvi-setup.json").is_dir()
