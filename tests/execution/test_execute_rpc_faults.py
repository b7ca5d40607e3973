"""`status`, `plan` and `execute` through an RPC that loses requests and answers: every step still goes exactly once.

The first test's faults meet the executor's own traffic (reconciliation, simulation, estimates, fees, nonces,
broadcasts, receipts, cool-off reads, warps), with an outage long enough to stop a run; the second's meet
everything from the first request on (the chain-id check, the batched snapshot reads of status, plan and the
preflight, then the executor) and no run may stop. The sandbox market, which stands for other traders on
their own nodes, talks to anvil directly (`execute --warp` gives it the sandbox's own node).
"""

from __future__ import annotations

import json
import re

import pytest

from indexops.chain import connection as connection_module
from indexops.chain import rpc_retry
from indexops.execution.executor import Executor
from indexops.execution.journal import Journal
from indexops.plans import load_plan
from tests.chain.rpc_proxy import FaultyRpcProxy
from tests.execution.test_execute import assert_units_reached, execute_args, gim_events, make_plan
from tests.paths import SHIPPED_PRODUCTS

pytestmark = pytest.mark.chain

MAX_RUNS = 10
LOST = (r"error: lost the RPC at {url} (while step \d+ was in flight: it is journaled; run the same command again to "
        r"reconcile it|before step \d+ was sent: nothing is in flight; run the same command again to continue)\n")


def test_a_flaky_rpc_never_sends_a_step_twice(cli, sandbox, w3, book, real, tmp_path, monkeypatch):
    path = make_plan(cli, tmp_path, "dpi", "--gas-price", "30")
    plan = load_plan(path)
    journal = tmp_path / "journal.sqlite3"
    senders = [w3.eth.accounts[1], w3.eth.accounts[3]]  # --account 1 (operator), --trader 3
    nonces = [w3.eth.get_transaction_count(a) for a in senders]


    with FaultyRpcProxy(sandbox.running.rpc_url, seed=20240611) as proxy:
        run = Executor.run

        def run_through_faults(executor):
            proxy.active.set()
            try:
                run(executor)
            finally:
                proxy.active.clear()

        monkeypatch.setattr(Executor, "run", run_through_faults)

        def execute():
            return cli(*execute_args(path, journal, "--account", "1", "--trader", "3", "--warp", "--json",
                                     "--rpc-url", proxy.url))

        # 1. the node takes the third step's transaction, the answer is lost and the RPC goes silent
        with monkeypatch.context() as short:
            short.setattr(rpc_retry, "PATIENCE_SECONDS", 1.0)
            proxy.outage_after_send(3, seconds=1.5)
            lost = execute()
        assert lost.code == 1
        assert lost.err == (f"error: lost the RPC at {proxy.url} while step 2 was in flight: it is journaled; "
                            "run the same command again to reconcile it\n")
        with Journal.open(journal) as book_of_steps:
            in_flight = book_of_steps.step(plan.content_hash, 2)
        assert str(in_flight.state) == "signing"
        assert w3.eth.get_transaction_receipt(in_flight.current.tx_hash)["status"] == 1  # it did reach the chain

        # 2. then every request may be dropped, delayed, or answered into a reset connection
        proxy.faults(drop=0.1, delay=0.1, reset=0.1, delay_seconds=(0.0, 0.2))
        stops, events = [], []
        for _ in range(MAX_RUNS):
            result = execute()
            events += [json.loads(line) for line in result.out.splitlines()]
            if result.code == 0:
                break
            stops.append(result.err)
        else:
            pytest.fail(f"not done after {MAX_RUNS} runs: {stops}")

    assert all(re.fullmatch(LOST.format(url=re.escape(proxy.url)), stop) for stop in stops), stops
    reconciled = [e for e in events if e["event"] == "reconciled"]
    assert reconciled[0] == {"event": "reconciled", "step": 2, "tx_hash": in_flight.current.tx_hash, "how": "mined"}
    assert all(proxy.fates[fate] > 0 for fate in ("drop", "delay", "reset")), proxy.fates
    assert proxy.methods[("reset", "eth_sendRawTransaction")] >= 2, proxy.methods  # the outage's, and random ones

    trade_steps = [s for s in plan.steps if s.phase == "trade"]
    assert len(gim_events(real, book, "TradeExecuted")) == len(trade_steps)  # counted on anvil, not via the proxy
    assert len(gim_events(real, book, "RebalanceStarted")) == 1
    assert sum(w3.eth.get_transaction_count(a) - n for a, n in zip(senders, nonces)) == len(plan.steps)
    with Journal.open(journal) as book_of_steps:
        steps = book_of_steps.steps(plan.content_hash)
    assert [len(s.attempts) for s in steps] == [1] * len(plan.steps)  # nothing was ever signed twice
    assert {str(s.state) for s in steps} == {"mined"}
    assert_units_reached(real, plan, rel=2e-3)


# The user's flaky RPC: 10% dropped, 10% delayed, 5% answered 502. Most delays are scaled down to keep the
# test short; a fifth of them stall 2-5 s, past a 1 s client timeout, so the timeout path is taken too and
# the stalled request still reaches the node later (a late broadcast, a late warp). Each command's first
# call of every method is dropped and its second answered 502: its chain-id check, its first batched read
# (status, plan, the preflight) and its first broadcast surely meet faults, whatever the draws.
FLAKY = {"drop": 0.10, "delay": 0.08, "stall": 0.02, "bad_gateway": 0.05,
         "delay_seconds": (0.2, 0.5), "stall_seconds": (2.0, 5.0), "opening": ("drop", "bad_gateway")}
CLIENT_TIMEOUT_SECONDS = 1.0


def test_status_plan_and_execute_finish_through_a_flaky_rpc(cli, sandbox, w3, book, real, tmp_path, monkeypatch):
    monkeypatch.setattr(connection_module, "REQUEST_TIMEOUT_SECONDS", CLIENT_TIMEOUT_SECONDS)
    journal, plan_path = tmp_path / "journal.sqlite3", tmp_path / "plan.json"
    direct = cli("status", "dpi", "--config", SHIPPED_PRODUCTS, "--json")

    with FaultyRpcProxy(sandbox.running.rpc_url, seed=20240612) as proxy:
        proxy.active.set()
        proxy.faults(**FLAKY)
        status = cli("status", "dpi", "--config", SHIPPED_PRODUCTS, "--rpc-url", proxy.url, "--json")
        proxy.faults(**FLAKY)
        planned = cli("plan", "dpi", "--config", SHIPPED_PRODUCTS, "--gas-price", "30", "--rpc-url", proxy.url,
                      "--out", plan_path)
        assert (status.code, status.err, planned.code) == (0, "", 0), (status.err, planned.err)
        proxy.faults(**FLAKY)
        executed = cli(*execute_args(plan_path, journal, "--account", "1", "--trader", "3", "--warp", "--json",
                                     "--rpc-url", proxy.url))
        proxy.active.clear()
    assert (executed.code, executed.err) == (0, "")
    assert status.json() == direct.json()
    assert all(proxy.fates[fate] > 0 for fate in ("drop", "delay", "stall", "bad_gateway")), proxy.fates
    for fate in ("drop", "bad_gateway"):  # three commands' chain-id checks, first batches and first broadcast
        assert proxy.methods[(fate, "eth_chainId")] >= 3 and proxy.methods[(fate, "eth_getCode")] >= 3, proxy.methods
        assert proxy.methods[(fate, "eth_sendRawTransaction")] >= 1, proxy.methods

    plan = load_plan(plan_path)
    trade_steps = [s for s in plan.steps if s.phase == "trade"]
    with Journal.open(journal) as book_of_steps:
        journaled = {s.index: s for s in book_of_steps.steps(plan.content_hash)}
    assert {str(s.state) for s in journaled.values()} == {"mined"} and len(journaled) == len(plan.steps)
    assert all(len(s.attempts) == 1 for s in journaled.values())  # nothing was ever signed twice

    # on anvil directly, not through the proxy: each planned trade once, no other
    trades = gim_events(real, book, "TradeExecuted")
    on_chain = sorted((t.transactionHash.to_0x_hex(), t.args._sellComponent, t.args._buyComponent) for t in trades)
    weth = book["tokens"]["WETH"]
    sides = {"sell": lambda component: (component, weth), "buy": lambda component: (weth, component)}
    planned_trades = sorted(
        (journaled[s.index].current.tx_hash, *sides[s.side](s.args["_component"])) for s in trade_steps
    )
    assert on_chain == planned_trades
    assert_units_reached(real, plan, rel=2e-3)
