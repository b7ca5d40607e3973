"""A full sandbox DPI rebalance executed through a flaky RPC, against the same plan through the proxy without faults.

The flaky RPC is the one from the user report: 10% of requests dropped (the connection closed without an
answer), 10% delayed by 2-5 s, 5% answered HTTP 502, seeded, from the first request on (the chain-id check,
the preflight's batched snapshot, then every simulation, estimate, fee read, nonce, broadcast, receipt poll,
cool-off read and warp). The client's timeout is the shipped 5 s. `--quick` scales the delays to 0.2-0.5 s,
with a fifth of them stalling 2-5 s past a 1 s client timeout (what the integration test runs).

Both runs start from the same fresh chain state (evm_snapshot/evm_revert) with a fresh journal. A run that
stops is run again (the same command, resuming from its journal) and counted. Trades are counted on chain
from GeneralIndexModule's TradeExecuted events, read from anvil directly, not through the proxy: each
planned trade must appear exactly once, in the transaction the journal holds for it. The ratio is the
flaky run's wall time over the clean run's, measured in this run.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import shutil
import signal
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from indexops.sandbox.toolchain import toolchain_dir  # noqa: E402

os.environ["INDEXOPS_TOOLCHAIN_DIR"] = str(toolchain_dir())  # shared install; the sandbox gets its own home
os.environ["INDEXOPS_HOME"] = tempfile.mkdtemp(prefix="indexops-bench-flaky-")

from indexops.chain import connection as connection_module  # noqa: E402
from indexops.chain.abis import contract  # noqa: E402
from indexops.chain.connection import connect  # noqa: E402
from indexops.cli.app import main as indexops  # noqa: E402
from indexops.execution.journal import Journal  # noqa: E402
from indexops.plans import load_plan  # noqa: E402
from indexops.sandbox import service  # noqa: E402
from indexops.sandbox.anvil import SANDBOX_CHAIN_ID, _free_port  # noqa: E402
from indexops.sandbox.toolchain import install_toolchain  # noqa: E402
from tests.chain.rpc_proxy import FaultyRpcProxy  # noqa: E402

PRODUCTS = ROOT / "products.toml"
GAS_PRICE = "30"
SEED = 20240611
MAX_RUNS = 10
REPORTED = {"drop": 0.10, "delay": 0.10, "bad_gateway": 0.05, "delay_seconds": (2.0, 5.0)}
QUICK = {"drop": 0.10, "delay": 0.08, "stall": 0.02, "bad_gateway": 0.05, "delay_seconds": (0.2, 0.5),
         "stall_seconds": (2.0, 5.0)}
QUICK_CLIENT_TIMEOUT = 1.0


def cli(*args) -> tuple[int, str]:
    """`indexops ARGS` in this process; its exit code and stderr."""
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        code = indexops([str(a) for a in args])
    return code, err.getvalue()


def execute_until_done(plan_path: Path, journal: Path, rpc_url: str) -> tuple[int, list[str]]:
    """Run `execute` until it exits 0 (or MAX_RUNS); the number of runs and each stop's message."""
    stops = []
    for runs in range(1, MAX_RUNS + 1):
        code, err = cli("execute", plan_path, "--config", PRODUCTS, "--journal", journal, "--account", "1",
                        "--trader", "3", "--warp", "--yes", "--max-gas-wait", "0", "--json", "--rpc-url", rpc_url)
        if code == 0:
            return runs, stops
        stops.append(err.strip())
    return MAX_RUNS, stops


def count_on_chain(anvil, book: dict, plan, journal: Path, from_block: int, nonces: dict) -> dict:
    """Planned trades vs TradeExecuted events on anvil; transactions sent by the plan's signers vs its steps."""
    gim = contract(anvil, "GeneralIndexModule", book["modules"]["gim"])
    events = gim.events.TradeExecuted().get_logs(from_block=from_block)
    on_chain = Counter(event.transactionHash.to_0x_hex() for event in events)
    with Journal.open(journal) as book_of_steps:
        steps = {s.index: s for s in book_of_steps.steps(plan.content_hash)}
    trade_steps = [s for s in plan.steps if s.phase == "trade"]
    planned = {steps[s.index].current.tx_hash for s in trade_steps if s.index in steps and steps[s.index].current}
    mined = sum(1 for s in steps.values() if str(s.state) == "mined")
    sent = sum(anvil.eth.get_transaction_count(a) - n for a, n in nonces.items())
    return {
        "completed": mined, "steps": len(plan.steps), "trades": len(trade_steps), "events": len(events),
        "duplicates": sum(on_chain.values()) - len(set(on_chain) & planned), "missing": len(planned - set(on_chain))
        + (len(trade_steps) - len(planned)), "extra_txs": sent - len(plan.steps),
        "signed_twice": sum(1 for s in steps.values() if len(s.attempts) > 1),
    }


def one_run(anvil, book, plan, plan_path: Path, work: Path, name: str, proxy: FaultyRpcProxy, faults: dict | None):
    nonces = {a: anvil.eth.get_transaction_count(a) for a in (anvil.eth.accounts[1], anvil.eth.accounts[3])}
    from_block = anvil.eth.block_number + 1
    journal = work / f"{name}.sqlite3"
    proxy.fates.clear()
    proxy.faults(**(faults or {}))  # no faults: every request passes, and is counted
    proxy.active.set()
    started = time.perf_counter()
    try:
        runs, stops = execute_until_done(plan_path, journal, proxy.url)
    finally:
        proxy.active.clear()
    seconds = time.perf_counter() - started
    counts = count_on_chain(anvil, book, plan, journal, from_block, nonces)
    return {**counts, "runs": runs, "stops": stops, "seconds": seconds, "fates": dict(proxy.fates)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="delays of 0.2-0.5 s, stalls past a 1 s client timeout")
    quick = parser.parse_args().quick
    faults = QUICK if quick else REPORTED
    if quick:
        connection_module.REQUEST_TIMEOUT_SECONDS = QUICK_CLIENT_TIMEOUT
    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="indexops-bench-flaky-work-"))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # a killed run still stops its sandbox
    up = service.up(port=_free_port(), toolchain=install_toolchain())
    try:
        anvil = connect(up.running.rpc_url, SANDBOX_CHAIN_ID).w3
        plan_path = work / "dpi.plan.json"
        code, err = cli("plan", "dpi", "--config", PRODUCTS, "--gas-price", GAS_PRICE, "--out", plan_path)
        if code != 0:
            raise RuntimeError(f"plan failed: {err}")
        plan = load_plan(plan_path)
        fresh = anvil.provider.make_request("evm_snapshot", [])["result"]
        results = {}
        with FaultyRpcProxy(up.running.rpc_url, seed=SEED) as proxy:
            for name, profile in (("clean", None), ("flaky", faults)):
                results[name] = one_run(anvil, up.deployment, plan, plan_path, work, name, proxy, profile)
                if not anvil.provider.make_request("evm_revert", [fresh]).get("result"):
                    raise RuntimeError("evm_revert to the fresh state failed")
                fresh = anvil.provider.make_request("evm_snapshot", [])["result"]
        report(plan, results, faults, quick)
        print(f"\n(whole benchmark {time.perf_counter() - started:.0f} s)")
        return 0 if all(_exact(r) for r in results.values()) else 1
    finally:
        service.down()
        shutil.rmtree(work, ignore_errors=True)


def _exact(result: dict) -> bool:
    return (result["completed"] == result["steps"] and result["events"] == result["trades"]
            and result["duplicates"] == result["missing"] == result["extra_txs"] == result["signed_twice"] == 0)


def report(plan, results: dict, faults: dict, quick: bool) -> None:
    fates = [fate for fate in ("drop", "delay", "stall", "bad_gateway") if fate in faults]
    shares = ", ".join(f"{fate} {faults[fate]:.0%}" for fate in fates)
    delays = f"delays {faults['delay_seconds'][0]:g}-{faults['delay_seconds'][1]:g} s"
    if "stall_seconds" in faults:
        delays += f", stalls {faults['stall_seconds'][0]:g}-{faults['stall_seconds'][1]:g} s"
    timeout = QUICK_CLIENT_TIMEOUT if quick else connection_module.REQUEST_TIMEOUT_SECONDS
    print(f"DPI sandbox plan at {GAS_PRICE} gwei: {len(plan.steps)} steps, {results['clean']['trades']} trades; "
          f"flaky RPC: {shares} ({delays}; client timeout {timeout:g} s; seed {SEED})")
    print(f"{'run':<6} {'done':>8} {'runs':>5} {'trades on chain':>16} {'dup':>4} {'missing':>8} {'extra txs':>10} "
          f"{'wall s':>8} {'requests':>9}  faults met")
    for name, r in results.items():
        met = ", ".join(f"{fate} {n}" for fate, n in sorted(r["fates"].items()) if fate != "pass") or "none"
        print(f"{name:<6} {r['completed']:>3}/{r['steps']:<4} {r['runs']:>5} {r['events']:>7}/{r['trades']:<8} "
              f"{r['duplicates']:>4} {r['missing']:>8} {r['extra_txs']:>10} {r['seconds']:>8.1f} "
              f"{sum(r['fates'].values()) or '-':>9}  {met}")
    for stop in results["flaky"]["stops"]:
        print(f"  a flaky run stopped: {stop}")
    ratio = results["flaky"]["seconds"] / results["clean"]["seconds"]
    print(f"flaky / clean wall time: {ratio:.2f}x")


if __name__ == "__main__":
    sys.exit(main())
