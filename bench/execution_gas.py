"""Execution on the sandbox: gas per trade serial vs `--batch`, and the wall-time cost of executing safely.

1. The delegated route (sbx, DelegatedManager; operator = anvil account 7). One rebalance
   (`bench/data/sbx-gas.csv`: all five non-WETH components move) planned at 100 gwei trades each
   component in one chunk (5 trades) and at 30 gwei in two chunks each (10 trades), one venue per
   chunk. Each rebalance is planned once; its trades become a serial plan (one TradeExtension.trade
   per trade) and a `--batch` plan (BatchTradeExtension.batchTrade per round of chunks), which are
   executed with `indexops execute --warp` on the same fresh chain state (evm_snapshot/evm_revert).
   Gas = sum of gasUsed over the receipts (the `mined` events of `indexops execute --json`).
2. A full sandbox DPI rebalance: `indexops plan dpi --gas-price 30`, then `indexops execute --warp --yes`
   (both in-process, so interpreter start-up is not counted), against the same plan's steps replayed
   on the same fresh state by `indexops.sandbox.replay.replay`: no simulation, gas estimate, fee
   check, local signing, journal or receipt decoding. The ratio is the overhead of that safety.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import signal
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from indexops.sandbox.toolchain import toolchain_dir

os.environ["INDEXOPS_TOOLCHAIN_DIR"] = str(toolchain_dir())  # shared install; the sandbox gets its own home

from indexops.chain.connection import connect  # noqa: E402
from indexops.cli.app import main as indexops  # noqa: E402
from indexops.config.loader import load_config  # noqa: E402
from indexops.config.selection import choose_product  # noqa: E402
from indexops.config.targets_file import load_targets  # noqa: E402
from indexops.plans import load_plan, write_plan  # noqa: E402
from indexops.sandbox import service  # noqa: E402
from indexops.sandbox.anvil import SANDBOX_CHAIN_ID, _free_port  # noqa: E402
from indexops.sandbox.arbitrage import Arbitrageur  # noqa: E402
from indexops.sandbox.replay import replay  # noqa: E402
from indexops.sandbox.toolchain import install_toolchain  # noqa: E402
from indexops.workflows.plan import assemble, plan_rebalance_for, read_plan_inputs  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PRODUCTS = ROOT / "products.toml"
SBX_TARGETS = ROOT / "bench" / "data" / "sbx-gas.csv"
SBX_CASES = ((5, 100), (10, 30))  # (trades, gas price in gwei the plan is made at)
SBX_OPERATOR = "7"  # anvil account 7 operates sbx through its DelegatedManager
DPI_GAS_PRICE = "30"
DPI_OPERATOR, DPI_TRADER = "1", "3"
DPI_REPEATS = 3  # medians of three plan + execute and three replay runs
SLOW_RECEIPT_S = 0.9  # a step whose receipt was not there at the first look waits out the executor's 1 s poll


class Sandbox:
    """One sandbox chain in its own temporary INDEXOPS_HOME, reverted to its fresh deployment on demand."""

    def __init__(self):
        self.home = tempfile.mkdtemp(prefix="indexops-bench-gas-")

    def start(self, toolchain) -> None:
        os.environ["INDEXOPS_HOME"] = self.home
        self.status = service.up(port=_free_port(), toolchain=toolchain)
        self.book = self.status.deployment
        self.connection = connect(self.status.running.rpc_url, SANDBOX_CHAIN_ID)
        self.w3 = self.connection.w3
        self.fresh = self._snapshot()

    def _snapshot(self) -> str:
        return self.w3.provider.make_request("evm_snapshot", [])["result"]

    def reset(self) -> None:
        if not self.w3.provider.make_request("evm_revert", [self.fresh]).get("result"):
            raise RuntimeError("evm_revert to the fresh snapshot failed")
        self.fresh = self._snapshot()

    def stop(self) -> None:
        os.environ["INDEXOPS_HOME"] = self.home
        try:
            service.down()
        finally:
            shutil.rmtree(self.home, ignore_errors=True)


class StampedOutput(io.StringIO):
    """stdout that remembers when each line was written: `execute --json` writes one event per line as it happens."""

    def __init__(self):
        super().__init__()
        self.lines: list[tuple[float, str]] = []
        self._partial = ""

    def write(self, text: str) -> int:
        now = time.perf_counter()
        self._partial += text
        *complete, self._partial = self._partial.split("\n")
        self.lines += [(now, line) for line in complete if line.strip()]
        return super().write(text)


def cli(*args) -> tuple[StampedOutput, float]:
    """`indexops ARGS` in this process; returns its stdout and wall time, raises on a non-zero exit."""
    out, err = StampedOutput(), io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = indexops([str(a) for a in args])
    seconds = time.perf_counter() - start
    if code != 0:
        raise RuntimeError(f"indexops {' '.join(map(str, args[:2]))} exited {code}: {err.getvalue().strip()}")
    return out, seconds


def execute(plan_path: Path, journal: Path, *signers: str) -> tuple[list[dict], float]:
    """`indexops execute PLAN ... --warp --yes --json`; returns its JSON events (each with `at`, when it was
    printed, in perf_counter seconds) and its wall time."""
    out, seconds = cli("execute", plan_path, "--config", PRODUCTS, *signers, "--warp", "--yes",
                       "--journal", journal, "--max-gas-wait", "0", "--json")
    return [{**json.loads(line), "at": at} for at, line in out.lines], seconds


def receipt_waits(events: list[dict]) -> list[float]:
    """Per step, the time from its `sent` event to its `mined` event: waiting for the receipt, then recording it."""
    sent = {e["step"]: e["at"] for e in events if e["event"] == "sent"}
    return [e["at"] - sent[e["step"]] for e in events if e["event"] == "mined" and e["step"] in sent]


def trades_of(plan) -> list[tuple]:
    """Every trade a plan sends, as (exchange, send token, send units, receive token, min receive units, data)."""
    def key(name, send, send_units, receive, min_receive, data):
        return (name, send.lower(), int(send_units), receive.lower(), int(min_receive), str(data))

    found = []
    for step in plan.steps:
        if step.phase != "trade":
            continue
        args = step.args
        if "_trades" in args:
            found += [key(*trade) for trade in args["_trades"]]
        else:
            found.append(key(args["_exchangeName"], args["_sendToken"], args["_sendQuantity"], args["_receiveToken"],
                             args["_minReceiveQuantity"], args["_data"]))
    return sorted(found)


def measure_gas(chain: Sandbox, plan, plan_path: Path, journal: Path) -> dict:
    """Execute the plan from the fresh state; gas from the receipts of its trade steps, fills from their events."""
    chain.reset()
    events, _ = execute(plan_path, journal, "--account", SBX_OPERATOR)
    mined = [e for e in events if e["event"] == "mined"]
    if [e["event"] for e in events].count("batch_failures") or len(mined) != len(plan.steps):
        raise RuntimeError(f"{plan_path.name}: {len(mined)} of {len(plan.steps)} steps mined cleanly")
    trade_steps = [e for e in mined if plan.steps[e["step"]].phase == "trade"]
    return {
        "txs": len(trade_steps), "other_steps": len(mined) - len(trade_steps),
        "gas": sum(e["gas_used"] for e in trade_steps), "fills": sum(len(e["fills"]) for e in trade_steps),
    }


def gas_per_trade(chain: Sandbox, work: Path) -> list[tuple]:
    target = choose_product(load_config(PRODUCTS), "sbx", "sandbox")
    targets = load_targets(SBX_TARGETS, set(target.where.network.tokens))
    rows = []
    for expected, gwei in SBX_CASES:
        chain.reset()
        now = datetime.now(timezone.utc)
        serial_inputs = read_plan_inputs(chain.connection, target, targets=targets, gas_price_gwei=gwei)
        rebalance = plan_rebalance_for(serial_inputs)
        serial = assemble(serial_inputs, rebalance, now)
        batch_inputs = read_plan_inputs(chain.connection, target, targets=targets, gas_price_gwei=gwei, batch=True)
        batch = assemble(batch_inputs, rebalance, now)  # the serial plan's trades, grouped into batchTrade calls
        own_batch = assemble(batch_inputs, plan_rebalance_for(batch_inputs), now)  # what `plan --batch` itself plans
        trades = trades_of(serial)
        if len(trades) != expected or trades_of(batch) != trades:
            raise RuntimeError(f"sbx at {gwei} gwei: the plans trade {len(trades)} / {len(trades_of(batch))} times, "
                               f"not {expected} the same trades: {SBX_TARGETS.name} no longer fits the sandbox")
        chunks = sorted({(t.chunks.chunk_count, len(c.fills)) for t in rebalance.trades for c in t.chunks.chunks})
        serial_path = write_plan(serial, work / f"sbx-{expected}-serial.json")
        batch_path = write_plan(batch, work / f"sbx-{expected}-batch.json")
        s = measure_gas(chain, serial, serial_path, work / f"sbx-{expected}-serial.sqlite3")
        b = measure_gas(chain, batch, batch_path, work / f"sbx-{expected}-batch.sqlite3")
        for name, m in (("serial", s), ("batch", b)):
            if m["fills"] != expected:
                raise RuntimeError(f"sbx {name} plan with {expected} trades filled {m['fills']} on chain")
        rows.append((expected, gwei, chunks, s, b, trades_of(own_batch) == trades))
    return rows


class MarketClock:
    """Time spent by the sandbox arbitrageur putting pools back (both runs do it between rounds of chunks)."""

    def __init__(self):
        self.seconds, self.calls = 0.0, 0

    @contextlib.contextmanager
    def counting(self):
        original = Arbitrageur.restore
        self.seconds, self.calls = 0.0, 0

        def timed(arbitrageur, *args, **kwargs):
            start = time.perf_counter()
            try:
                return original(arbitrageur, *args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - start
                self.calls += 1

        Arbitrageur.restore = timed
        try:
            yield self
        finally:
            Arbitrageur.restore = original


def dpi_wall_time(chain: Sandbox, work: Path) -> dict:
    """REPEATS rounds of plan + execute and of replay, each from the fresh state; medians."""
    book = chain.book
    senders = {"operator": book["products"]["dpi"]["operator"], "trader": book["accounts"]["trader"]}
    market = MarketClock()
    runs = []
    for repeat in range(DPI_REPEATS):
        chain.reset()
        plan_path, journal = work / f"dpi-{repeat}.json", work / f"dpi-{repeat}.sqlite3"
        _, plan_s = cli("plan", "dpi", "--config", PRODUCTS, "--gas-price", DPI_GAS_PRICE, "--out", plan_path, "--json")
        plan = load_plan(plan_path)
        with market.counting():
            events, execute_s = execute(plan_path, journal, "--account", DPI_OPERATOR, "--trader", DPI_TRADER)
        execute_market = (market.seconds, market.calls)
        waits = receipt_waits(events)
        mined = [e for e in events if e["event"] == "mined"]
        if len(mined) != len(plan.steps):
            raise RuntimeError(f"dpi: {len(mined)} of {len(plan.steps)} steps mined")

        chain.reset()  # the same fresh state, the same steps, sent the plain way
        with market.counting():
            start = time.perf_counter()
            done = replay(chain.w3, plan.steps, senders, Arbitrageur(chain.w3, book))
            replay_s = time.perf_counter() - start
        if len(done) != len(plan.steps):
            raise RuntimeError(f"dpi replay: {len(done)} of {len(plan.steps)} steps")
        runs.append({
            "steps": len(plan.steps), "trades": sum(1 for s in plan.steps if s.phase == "trade"),
            "warps": sum(1 for e in events if e["event"] == "warped"),
            "plan_s": plan_s, "execute_s": execute_s, "replay_s": replay_s,
            "execute_market_s": execute_market[0], "execute_restores": execute_market[1],
            "replay_market_s": market.seconds, "replay_restores": market.calls,
            "receipt_s": sum(waits), "slow_receipts": sum(1 for w in waits if w >= SLOW_RECEIPT_S),
        })
        run = runs[-1]
        run["own_s"] = run["execute_s"] - run["execute_market_s"] - run["receipt_s"]
        run["plain_s"] = run["replay_s"] - run["replay_market_s"]
        if os.environ.get("BENCH_VERBOSE"):
            print({k: round(v, 3) for k, v in run.items()}, file=sys.stderr)
    chain.reset()
    if len({(r["steps"], r["trades"]) for r in runs}) != 1:
        raise RuntimeError(f"dpi: the repeated plans differ: {[(r['steps'], r['trades']) for r in runs]}")
    summary = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
    summary["ratios"] = sorted(r["execute_s"] / r["replay_s"] for r in runs)
    summary["execute_range"] = (min(r["execute_s"] for r in runs), max(r["execute_s"] for r in runs))
    summary["replay_range"] = (min(r["replay_s"] for r in runs), max(r["replay_s"] for r in runs))
    return summary


def report(rows: list[tuple], dpi: dict) -> None:
    print(f"1. Gas per trade, serial vs --batch, on the delegated route: sbx (DelegatedManager; TradeExtension.trade"
          f" vs BatchTradeExtension.batchTrade), targets {SBX_TARGETS.relative_to(ROOT)}")
    print("   each rebalance is planned once and its trades go into a serial plan and a --batch plan, executed with"
          " `indexops execute --warp` from the same fresh chain state; gas = sum of the receipts' gasUsed")
    print(f"   {'trades':>6} | {'planned at':>10} | {'chunks':>6} | {'serial txs':>10} {'gas/trade':>9} |"
          f" {'batch txs':>9} {'gas/trade':>9} | batch/serial")
    for expected, gwei, chunks, s, b, _ in rows:
        per_component = "/".join(str(n) for n, _ in chunks)
        print(f"   {expected:>6} | {str(gwei) + ' gwei':>10} | {per_component:>6} | {s['txs']:>10} {s['gas'] / expected:>9,.0f} |"
              f" {b['txs']:>9} {b['gas'] / expected:>9,.0f} | {b['gas'] / s['gas']:.3f}x")
    (one, one_gwei), (two, two_gwei) = SBX_CASES
    print(f"   {one} trades: the {one} non-WETH components in one chunk each at {one_gwei} gwei (a round of sells, then a"
          f" round of buys); {two} trades: the same targets planned at {two_gwei} gwei, two chunks each (two rounds per"
          " side, the clock warped past the cool-off between them); one venue (uniswap-v2) per chunk, as the planner chose")
    for expected, gwei, _, s, b, same_as_own in rows:
        if s["other_steps"] or b["other_steps"]:
            print(f"   note: the {expected}-trade plans also ran {s['other_steps']} / {b['other_steps']} non-trade steps (not counted)")
        if not same_as_own:
            print(f"   note: at {gwei} gwei `indexops plan sbx --batch` would chunk differently (its cost model charges"
                  " less gas per trade); the batch plan above reuses the serial plan's trades")
    print()
    total = dpi["plan_s"] + dpi["execute_s"]
    steps = dpi["steps"]
    print(f"2. Wall time of a full sandbox DPI rebalance (`indexops plan dpi --gas-price {DPI_GAS_PRICE}`, products.toml"
          f" targets) executed with --warp: {steps:.0f} steps, {dpi['trades']:.0f} of them trades;"
          f" indexops run in-process (no interpreter start-up); medians of {DPI_REPEATS} runs from the fresh state")
    print(f"   {'':<18} {'seconds':>8} {'steps/s':>8}")
    print(f"   {'indexops plan':<18} {dpi['plan_s']:>8.2f}")
    print(f"   {'indexops execute':<18} {dpi['execute_s']:>8.2f} {steps / dpi['execute_s']:>8.1f}"
          f"   (runs {dpi['execute_range'][0]:.1f}-{dpi['execute_range'][1]:.1f} s)")
    print(f"   {'plan + execute':<18} {total:>8.2f} {steps / total:>8.1f}")
    print(f"   {'replay (baseline)':<18} {dpi['replay_s']:>8.2f} {steps / dpi['replay_s']:>8.1f}"
          f"   (runs {dpi['replay_range'][0]:.1f}-{dpi['replay_range'][1]:.1f} s)")
    print("   replay sends the same steps from anvil's unlocked accounts and polls each receipt every 10 ms: no simulation,"
          " gas estimate, fee cap, local signing, journal or receipt decoding")
    ratios = ", ".join(f"{r:.2f}" for r in dpi["ratios"])
    print(f"   execute / replay          {dpi['execute_s'] / dpi['replay_s']:.2f}x   (the overhead of safety; per run {ratios})")
    print(f"   plan + execute / replay   {total / dpi['replay_s']:.2f}x")
    print("   where the time goes (medians):")
    print(f"     sandbox arbitrageur restoring pools: execute {dpi['execute_market_s']:.2f} s ({dpi['execute_restores']:.0f}"
          f" restores; {dpi['warps']:.0f} clock warps), replay {dpi['replay_market_s']:.2f} s ({dpi['replay_restores']:.0f}, one per"
          " round of chunks and one at the end)")
    print(f"     execute, sent -> mined (receipt wait + recording): {dpi['receipt_s']:.2f} s; {dpi['slow_receipts']:.0f} of {steps:.0f} receipts"
          f" were not there at the executor's first look and cost its 1 s poll")
    own, plain = dpi["own_s"], dpi["plain_s"]
    print(f"     execute's own work per step (preflight, simulate, estimate, fees, nonce, sign, journal, cool-off checks):"
          f" {own / steps * 1000:.0f} ms; replay's whole step (send + receipt): {plain / steps * 1000:.0f} ms: {own / plain:.2f}x")


def main() -> int:
    started = time.perf_counter()
    toolchain = install_toolchain()
    work = Path(tempfile.mkdtemp(prefix="indexops-bench-gas-work-"))
    chain = Sandbox()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # a killed run still stops its sandbox
    try:
        chain.start(toolchain)
        rows = gas_per_trade(chain, work)
        dpi = dpi_wall_time(chain, work)
        report(rows, dpi)
        print(f"\n(whole benchmark {time.perf_counter() - started:.0f} s)")
        return 0
    finally:
        chain.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
