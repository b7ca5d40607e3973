"""`indexops keeper run` on the real strategies: a ripcord sent, journaled and landed; nothing with the price
unchanged; a paused product skipped; a restart after a kill that does not send the same decision twice; a
stuck transaction replaced at the same nonce."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from indexops.execution.journal import Journal
from indexops.workflows.keeper_check import strategy_of
from tests.paths import SHIPPED_PRODUCTS

GWEI = 10**9
DAY = 86_400
KEEPER = 9


def _strategy(real, key: str = "eth2x-fli"):
    from indexops.cli.context import product

    return real("FlexibleLeverageStrategyExtension", strategy_of(product(SHIPPED_PRODUCTS, key, None)))


def _run(cli, journal, *args: str):
    return cli(
        "keeper",
        "run",
        *args,
        "--once",
        "--poll-seconds",
        "0.1",
        "--log-format",
        "json",
        "--journal",
        journal,
        "--config",
        SHIPPED_PRODUCTS,
    )


def _lines(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def _ripcords(strategy, since: int) -> list:
    return strategy.events.RipcordCalled.get_logs(from_block=since)


def _runs(journal) -> list:
    with Journal.open(journal) as book:
        return book.runs()


@pytest.mark.chain
def test_after_a_25_percent_fall_once_sends_a_ripcord_from_the_keeper_that_lands(cli, sandbox, w3, real, tmp_path):
    journal = tmp_path / "journal.sqlite3"
    strategy = _strategy(real)
    assert cli("sandbox", "price", "WETH", "--by", "-25").code == 0
    before, start = strategy.functions.getCurrentLeverageRatio().call(), w3.eth.block_number
    result = _run(cli, journal, "eth2x-fli")
    assert result.code == 0, result.err
    lines = _lines(result.out)
    (decision,) = [line for line in lines if line["kind"] == "decision"]
    assert decision["product"] == "eth2x-fli" and decision["action"] == "ripcord" and decision["gas"] == "send"
    assert decision["block"] >= start and decision["max_fee_gwei"] > 0 and decision["reason"]
    tx_hash = decision["tx_hash"]
    (mined,) = [line for line in lines if line["kind"] == "mined"]
    assert mined["tx_hash"] == tx_hash
    tx = w3.eth.get_transaction(tx_hash)
    assert tx["from"] == w3.eth.accounts[KEEPER] and w3.eth.get_transaction_receipt(tx_hash)["status"] == 1
    assert len(_ripcords(strategy, start)) == 1
    assert strategy.functions.getCurrentLeverageRatio().call() < before
    (run,) = _runs(journal)
    assert run.product == "eth2x-fli" and [a.tx_hash for a in run.steps[0].attempts] == [tx_hash]
    assert run.steps[0].state == "mined"


@pytest.mark.chain
def test_with_the_price_unchanged_once_sends_nothing(cli, sandbox, w3, tmp_path):
    journal = tmp_path / "journal.sqlite3"
    nonce = w3.eth.get_transaction_count(w3.eth.accounts[KEEPER])
    result = _run(cli, journal, "eth2x-fli", "btc2x-fli")
    assert result.code == 0, result.err
    decisions = [line for line in _lines(result.out) if line["kind"] == "decision"]
    assert [d["product"] for d in decisions] == ["eth2x-fli", "btc2x-fli"]
    assert all(d["action"] == "nothing" and d["tx_hash"] is None for d in decisions)
    assert w3.eth.get_transaction_count(w3.eth.accounts[KEEPER]) == nonce and _runs(journal) == []


@pytest.mark.chain
def test_human_lines_by_default(cli, sandbox, w3, tmp_path):
    result = cli(
        "keeper", "run", "eth2x-fli", "--once", "--journal", tmp_path / "j.sqlite3", "--config", SHIPPED_PRODUCTS
    )
    assert result.code == 0, result.err
    assert result.out.startswith("block ") and "eth2x-fli: nothing" in result.out and result.out.count("\n") == 1


@pytest.mark.chain
def test_a_paused_product_is_skipped_until_resumed(cli, sandbox, w3, real, tmp_path):
    journal = tmp_path / "journal.sqlite3"
    strategy = _strategy(real)
    assert cli("sandbox", "price", "WETH", "--by", "-25").code == 0
    start = w3.eth.block_number
    assert cli("keeper", "pause", "eth2x-fli", "--config", SHIPPED_PRODUCTS).code == 0
    try:
        result = _run(cli, journal, "eth2x-fli", "btc2x-fli")
        assert result.code == 0, result.err
        lines = _lines(result.out)
        assert [(line["kind"], line["product"]) for line in lines] == [
            ("paused", "eth2x-fli"),
            ("decision", "btc2x-fli"),
        ]
        assert _ripcords(strategy, start) == []
    finally:
        assert cli("keeper", "resume", "eth2x-fli", "--config", SHIPPED_PRODUCTS).code == 0
    resumed = _run(cli, journal, "eth2x-fli")
    assert resumed.code == 0 and any(line["kind"] == "mined" for line in _lines(resumed.out))
    assert len(_ripcords(strategy, start)) == 1


def test_pause_of_an_unknown_product_is_one_line_exit_2(cli):
    result = cli("keeper", "pause", "nope", "--config", SHIPPED_PRODUCTS)
    assert result.code == 2 and result.err.count("\n") == 1 and "no such product" in result.err


def _keeper_process(journal, *args: str, env: dict | None = None, config=SHIPPED_PRODUCTS) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "indexops",
        "keeper",
        "run",
        *args,
        "--poll-seconds",
        "0.1",
        "--log-format",
        "json",
        "--journal",
        str(journal),
        "--config",
        str(config),
    ]
    return subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, **(env or {})}
    )


@pytest.mark.chain
@pytest.mark.parametrize("point", ["signed", "sent"], ids=["killed-before-broadcast", "killed-after-broadcast"])
def test_killed_right_after_the_journal_write_a_restart_sends_no_second_ripcord(
    cli, sandbox, w3, real, tmp_path, point
):
    journal = tmp_path / "journal.sqlite3"
    strategy = _strategy(real)
    assert cli("sandbox", "price", "WETH", "--by", "-25").code == 0
    start = w3.eth.block_number
    killed = _keeper_process(journal, "eth2x-fli", "--once", env={"INDEXOPS_FAULT": point})
    killed.communicate(timeout=120)
    assert killed.returncode == -9
    (run,) = _runs(journal)
    (attempt,) = run.steps[0].attempts
    assert attempt.state == "signing"
    assert len(_ripcords(strategy, start)) == (1 if point == "sent" else 0)

    again = _run(cli, journal, "eth2x-fli")
    assert again.code == 0, again.err
    kinds = [line["kind"] for line in _lines(again.out)]
    assert kinds[0] == "reconciling" and "mined" in kinds and "decision" not in kinds
    assert len(_ripcords(strategy, start)) == 1
    (run,) = _runs(journal)
    assert [a.tx_hash for a in run.steps[0].attempts] == [attempt.tx_hash] and run.steps[0].state == "mined"


def _wait_for(predicate, seconds: float = 60, what: str = "") -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def _attempts(journal) -> list:
    runs = _runs(journal)
    return list(runs[0].steps[0].attempts) if runs and runs[0].steps else []


def _fees(raw: bytes) -> tuple[int, int]:
    from eth_account.typed_transactions import TypedTransaction
    from hexbytes import HexBytes

    fields = TypedTransaction.from_bytes(HexBytes(raw)).as_dict()
    return fields["maxFeePerGas"], fields["maxPriorityFeePerGas"]


@pytest.mark.chain
def test_a_stuck_rebalance_is_replaced_at_the_same_nonce_and_one_lands(cli, sandbox, w3, tmp_path):
    journal = tmp_path / "journal.sqlite3"
    node = w3.provider
    assert cli("sandbox", "price", "WETH", "--by", "-3").code == 0  # off the target, inside the band
    node.make_request("evm_increaseTime", [DAY + 100])  # a routine rebalance: its interval has passed
    node.make_request("anvil_setNextBlockBaseFeePerGas", [hex(GWEI)])
    node.make_request("evm_mine", [])
    node.make_request("evm_setAutomine", [False])
    process = None
    try:
        process = _keeper_process(journal, "eth2x-fli", "--once")
        _wait_for(lambda: len(_attempts(journal)) >= 1, what="the first attempt")
        first = _attempts(journal)[0]
        _wait_for(lambda: w3.eth.get_transaction_count(first.sender, "pending") > first.nonce, what="the broadcast")

        def stuck_block() -> bool:  # a block the transaction's max fee cannot pay for
            node.make_request("anvil_setNextBlockBaseFeePerGas", [hex(5 * GWEI)])  # above its 2.75 gwei
            node.make_request("anvil_mine", ["0x1"])
            return len(_attempts(journal)) >= 2

        _wait_for(stuck_block, what="a replacement")
        node.make_request("anvil_setNextBlockBaseFeePerGas", [hex(GWEI)])
        node.make_request("evm_setAutomine", [True])
        node.make_request("evm_mine", [])
        out, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
    finally:
        node.make_request("evm_setAutomine", [True])
        if process is not None and process.poll() is None:
            process.kill()
    attempts = _attempts(journal)
    assert len(attempts) >= 2 and {a.nonce for a in attempts} == {first.nonce}
    (old_fee, old_tip), (new_fee, new_tip) = _fees(attempts[0].raw_tx), _fees(attempts[1].raw_tx)
    assert new_fee * 8 >= old_fee * 9 and new_tip * 8 >= old_tip * 9
    assert new_fee <= 30 * GWEI  # never above the routine cap
    landed = [a for a in attempts if _receipt(w3, a.tx_hash) is not None]
    assert len(landed) == 1 and landed[0].state == "mined"
    assert [a.state for a in attempts if a is not landed[0]] == ["replaced"] * (len(attempts) - 1)
    lines = _lines(out)
    assert any(line["kind"] == "bumped" and line["nonce"] == first.nonce for line in lines)


def _receipt(w3, tx_hash: str):
    from web3.exceptions import TransactionNotFound

    try:
        return w3.eth.get_transaction_receipt(tx_hash)
    except TransactionNotFound:
        return None


@pytest.mark.chain
def test_one_products_failure_is_a_line_and_the_others_are_served(cli, sandbox, w3, real, tmp_path):
    text = SHIPPED_PRODUCTS.read_text()
    broken = "0x4593ed9CbE6003e687e5e77368534bb04b162503"  # btc2x-fli's strategy on the sandbox
    assert broken in text
    products = tmp_path / "products.toml"
    products.write_text(text.replace(broken, "0x000000000000000000000000000000000000dEaD"))
    strategy = _strategy(real)
    assert cli("sandbox", "price", "WETH", "--by", "-25").code == 0
    start = w3.eth.block_number
    result = cli(
        "keeper",
        "run",
        "btc2x-fli",
        "eth2x-fli",
        "--once",
        "--poll-seconds",
        "0.1",
        "--log-format",
        "json",
        "--journal",
        tmp_path / "journal.sqlite3",
        "--config",
        products,
    )
    assert result.code == 0, result.err
    lines = _lines(result.out)
    assert lines[0]["kind"] == "error" and lines[0]["product"] == "btc2x-fli" and "no contract" in lines[0]["detail"]
    assert [line["kind"] for line in lines if line["product"] == "eth2x-fli"] == ["decision", "mined"]
    assert len(_ripcords(strategy, start)) == 1


def _reader(process: subprocess.Popen) -> list[dict]:
    """The process's JSON lines as they come, in a list a thread fills."""
    lines: list[dict] = []

    def read() -> None:
        assert process.stdout is not None
        for text in process.stdout:
            lines.append(json.loads(text))

    threading.Thread(target=read, daemon=True).start()
    return lines


@pytest.mark.chain
@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["SIGINT", "SIGTERM"])
def test_the_loop_decides_each_new_block_pauses_without_a_restart_and_stops_on_a_signal(
    cli, sandbox, w3, tmp_path, signum, code
):
    process = _keeper_process(tmp_path / "journal.sqlite3", "eth2x-fli", "btc2x-fli")
    lines = _reader(process)
    try:
        _wait_for(lambda: len(lines) >= 2, what="the first decisions")
        first = lines[0]["block"]
        assert [(line["kind"], line["product"], line["block"]) for line in lines[:2]] == [
            ("decision", "eth2x-fli", first),
            ("decision", "btc2x-fli", first),
        ]
        w3.provider.make_request("evm_mine", [])
        _wait_for(lambda: any(line["block"] == first + 1 for line in lines), what="a decision at the next block")
        assert cli("keeper", "pause", "eth2x-fli", "--config", SHIPPED_PRODUCTS).code == 0
        try:
            w3.provider.make_request("evm_mine", [])
            _wait_for(lambda: len([line for line in lines if line["block"] == first + 2]) >= 2, what="a paused block")
        finally:
            assert cli("keeper", "resume", "eth2x-fli", "--config", SHIPPED_PRODUCTS).code == 0
        paused = [(line["kind"], line["product"]) for line in lines if line["block"] == first + 2]
        assert paused == [("paused", "eth2x-fli"), ("decision", "btc2x-fli")]
        w3.provider.make_request("evm_mine", [])
        _wait_for(lambda: len([line for line in lines if line["block"] == first + 3]) >= 2, what="a resumed block")
        assert [line["kind"] for line in lines if line["block"] == first + 3] == ["decision", "decision"]
        sent = time.monotonic()
        process.send_signal(signum)
        _out, err = process.communicate(timeout=10)
        assert time.monotonic() - sent < 1.5
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == code
    name = signal.Signals(signum).name
    assert err.count("\n") == 1 and err.startswith(f"error: interrupted by {name}")


@pytest.mark.chain
def test_after_max_bumps_it_keeps_waiting_says_so_and_the_transaction_lands(cli, sandbox, w3, tmp_path):
    journal = tmp_path / "journal.sqlite3"
    products = tmp_path / "products.toml"
    text = SHIPPED_PRODUCTS.read_text()
    assert text.count("max_bumps = 3\n") >= 1
    products.write_text(text.replace("max_bumps = 3\n", "max_bumps = 0\n", 1))  # eth2x-fli's section comes first
    node = w3.provider
    assert cli("sandbox", "price", "WETH", "--by", "-3").code == 0
    node.make_request("evm_increaseTime", [DAY + 100])
    node.make_request("anvil_setNextBlockBaseFeePerGas", [hex(GWEI)])
    node.make_request("evm_mine", [])
    node.make_request("evm_setAutomine", [False])
    process = None
    try:
        process = _keeper_process(journal, "eth2x-fli", "--once", config=products)
        lines = _reader(process)
        _wait_for(lambda: len(_attempts(journal)) >= 1, what="the first attempt")

        def stuck_block() -> bool:
            node.make_request("anvil_setNextBlockBaseFeePerGas", [hex(5 * GWEI)])
            node.make_request("anvil_mine", ["0x1"])
            return any(line["kind"] == "waiting" and "max_bumps (0) spent" in line["detail"] for line in lines)

        _wait_for(stuck_block, what="the waiting line")
        node.make_request("anvil_setNextBlockBaseFeePerGas", [hex(GWEI)])
        node.make_request("evm_setAutomine", [True])
        node.make_request("evm_mine", [])
        process.wait(timeout=60)
        assert process.returncode == 0
    finally:
        node.make_request("evm_setAutomine", [True])
        if process is not None and process.poll() is None:
            process.kill()
    (attempt,) = _attempts(journal)
    assert attempt.state == "mined" and _receipt(w3, attempt.tx_hash)["status"] == 1
    assert [line["kind"] for line in lines].count("waiting") >= 1 and "bumped" not in [line["kind"] for line in lines]


@pytest.mark.chain
def test_a_second_keeper_on_the_same_account_is_refused_while_one_runs(cli, sandbox, w3, tmp_path):
    process = _keeper_process(tmp_path / "journal.sqlite3", "eth2x-fli")
    lines = _reader(process)
    try:
        _wait_for(lambda: len(lines) >= 1, what="the first decision")
        second = _run(cli, tmp_path / "other.sqlite3", "btc2x-fli")
        assert second.code == 2 and second.out == "" and second.err.count("\n") == 1
        assert "is already sending on chain" in second.err
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)
    assert process.returncode == 143


def test_a_bad_log_format_or_an_index_product_is_one_line_exit_2(cli, tmp_path):
    bad = cli("keeper", "run", "eth2x-fli", "--log-format", "xml", "--config", SHIPPED_PRODUCTS)
    assert bad.code == 2 and bad.err == "error: --log-format 'xml': expected human or json\n"
    index = cli("keeper", "run", "dpi", "--once", "--config", SHIPPED_PRODUCTS)
    assert index.code == 2 and index.err == "error: dpi: not a leverage product (kind 'index'): no keeper to check\n"


@pytest.mark.chain
def test_a_restarted_keeper_replaces_the_stuck_transaction_it_left_under_the_same_cap(cli, sandbox, w3, tmp_path):
    journal = tmp_path / "journal.sqlite3"
    node = w3.provider
    assert cli("sandbox", "price", "WETH", "--by", "-3").code == 0
    node.make_request("evm_increaseTime", [DAY + 100])
    node.make_request("anvil_setNextBlockBaseFeePerGas", [hex(GWEI)])
    node.make_request("evm_mine", [])
    node.make_request("evm_setAutomine", [False])
    process = None
    try:
        killed = _keeper_process(journal, "eth2x-fli", "--once", env={"INDEXOPS_FAULT": "sent"})
        killed.communicate(timeout=120)
        assert killed.returncode == -9
        (first,) = _attempts(journal)
        process = _keeper_process(journal, "eth2x-fli", "--once")
        lines = _reader(process)
        _wait_for(lambda: any(line["kind"] == "reconciling" for line in lines), what="the restart")

        def stuck_block() -> bool:
            node.make_request("anvil_setNextBlockBaseFeePerGas", [hex(20 * GWEI)])
            node.make_request("anvil_mine", ["0x1"])
            return len(_attempts(journal)) >= 2

        _wait_for(stuck_block, what="a replacement")
        node.make_request("anvil_setNextBlockBaseFeePerGas", [hex(GWEI)])
        node.make_request("evm_setAutomine", [True])
        node.make_request("evm_mine", [])
        process.wait(timeout=60)
        assert process.returncode == 0
    finally:
        node.make_request("evm_setAutomine", [True])
        if process is not None and process.poll() is None:
            process.kill()
    attempts = _attempts(journal)
    assert attempts[0].tx_hash == first.tx_hash and {a.nonce for a in attempts} == {first.nonce}
    assert all(_fees(a.raw_tx)[0] <= 30 * GWEI for a in attempts)  # the routine cap, as when it was decided
    assert len([a for a in attempts if _receipt(w3, a.tx_hash) is not None]) == 1
    assert "decision" not in [line["kind"] for line in lines]
