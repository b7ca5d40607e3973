"""Two RPC URLs for the sandbox: the first a proxy that goes dark mid-run, the second anvil itself. `status` and a
full `execute` of a DPI plan finish through the second, every step on chain once, and --debug says when
requests moved. The sandbox market, standing for other traders, talks to anvil directly."""

from __future__ import annotations

import pytest

from indexops.chain import connection as connection_module
from indexops.execution.journal import Journal
from indexops.plans import load_plan
from tests.chain.rpc_proxy import FaultyRpcProxy
from tests.execution.test_execute import assert_units_reached, execute_args, gim_events, make_plan
from tests.paths import SHIPPED_PRODUCTS

pytestmark = pytest.mark.chain


def failover_lines(err: str, proxy_url: str, anvil_url: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith(f"RPC failover: {proxy_url} -> {anvil_url} (")]


def test_status_finishes_through_the_second_url_when_the_first_goes_dark(cli, sandbox, w3, monkeypatch):
    anvil = sandbox.running.rpc_url
    direct = cli("status", "dpi", "--config", SHIPPED_PRODUCTS, "--json")
    with FaultyRpcProxy(anvil, seed=1) as proxy:
        proxy.active.set()
        proxy.go_dark_after(2)  # the chain-id check and the first batched read, then nothing
        status = cli(
            "status",
            "dpi",
            "--config",
            SHIPPED_PRODUCTS,
            "--json",
            "--debug",
            "--rpc-url",
            proxy.url,
            "--rpc-url",
            anvil,
        )
    assert status.code == 0, status.err
    assert status.json() == direct.json()
    assert len(failover_lines(status.err, proxy.url, anvil)) == 1, status.err
    assert proxy.fates["pass"] == 2 and proxy.fates["drop"] == 2  # one blip is asked again, the second is not


def test_a_full_execute_finishes_through_the_second_url_with_every_step_once(
    cli, sandbox, w3, book, real, tmp_path, monkeypatch
):
    monkeypatch.setattr(connection_module, "REQUEST_TIMEOUT_SECONDS", 1.0)
    anvil = sandbox.running.rpc_url
    path = make_plan(cli, tmp_path, "dpi", "--gas-price", "30")
    plan = load_plan(path)
    journal = tmp_path / "journal.sqlite3"
    senders = [w3.eth.accounts[1], w3.eth.accounts[3]]  # --account 1 (operator), --trader 3
    nonces = [w3.eth.get_transaction_count(a) for a in senders]

    with FaultyRpcProxy(anvil, seed=2) as proxy:
        proxy.active.set()
        # the node takes the third transaction, its answer is lost, and the first URL is gone for good
        proxy.outage_after_send(3, seconds=3600)
        executed = cli(
            *execute_args(
                path,
                journal,
                "--account",
                "1",
                "--trader",
                "3",
                "--warp",
                "--json",
                "--debug",
                "--rpc-url",
                f"{proxy.url},{anvil}",
            )
        )
    assert executed.code == 0, executed.err
    assert failover_lines(executed.err, proxy.url, anvil), executed.err
    assert proxy.methods[("reset", "eth_sendRawTransaction")] == 1 and proxy.fates["drop"] > 0, proxy.fates

    trade_steps = [s for s in plan.steps if s.phase == "trade"]
    assert len(gim_events(real, book, "TradeExecuted")) == len(trade_steps)  # counted on anvil: each trade once
    assert len(gim_events(real, book, "RebalanceStarted")) == 1
    assert sum(w3.eth.get_transaction_count(a) - n for a, n in zip(senders, nonces, strict=True)) == len(plan.steps)
    with Journal.open(journal) as book_of_steps:
        steps = book_of_steps.steps(plan.content_hash)
    assert [len(s.attempts) for s in steps] == [1] * len(plan.steps)  # nothing was ever signed twice
    assert {str(s.state) for s in steps} == {"mined"}
    assert_units_reached(real, plan, rel=2e-3)
