"""Execution cost of a DPI rebalance: indexops' plan against the fixed-50-bps single-venue TWAP.

Two identical fresh sandbox chains; on each the arbitrageur restores every pool to its reference
price between chunks. For each gas price the plan is made at that gas price and executed on chain A;
the baseline is executed on chain B. Cost = price impact + pool fees measured from the executed
trades against the reference mid prices, plus the gas actually used at that gas price.
Goal: indexops <= 0.8x the baseline at 30 gwei, never above 1.0x.
"""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from indexops.sandbox.toolchain import toolchain_dir

os.environ["INDEXOPS_TOOLCHAIN_DIR"] = str(toolchain_dir())  # shared install; sandboxes kept apart below

from web3.logs import DISCARD  # noqa: E402

from indexops.chain.abis import contract  # noqa: E402
from indexops.chain.connection import connect  # noqa: E402
from indexops.config.loader import load_config  # noqa: E402
from indexops.config.selection import choose_product  # noqa: E402
from indexops.config.targets_file import load_targets  # noqa: E402
from indexops.planning.rebalance import as_baseline  # noqa: E402
from indexops.sandbox import service  # noqa: E402
from indexops.sandbox.anvil import _free_port  # noqa: E402
from indexops.sandbox.arbitrage import Arbitrageur  # noqa: E402
from indexops.sandbox.replay import replay  # noqa: E402
from indexops.sandbox.toolchain import install_toolchain  # noqa: E402
from indexops.valuation import price_in_weth  # noqa: E402
from indexops.workflows.plan import assemble, plan_rebalance_for, read_plan_inputs  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TARGETS = ROOT / "bench" / "data" / "dpi-month.csv"
GAS_PRICES_GWEI = (10, 30, 100, 500)
NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


class Chain:
    """One sandbox in its own home, reverted to its fresh deployment before every run."""

    def __init__(self, name: str, toolchain):
        self.home = tempfile.mkdtemp(prefix=f"indexops-bench-{name}-")
        os.environ["INDEXOPS_HOME"] = self.home
        self.status = service.up(port=_free_port(), toolchain=toolchain)
        self.w3 = connect(self.status.running.rpc_url, 31337).w3
        self.fresh = self.w3.provider.make_request("evm_snapshot", [])["result"]

    def reset(self) -> None:
        self.w3.provider.make_request("evm_revert", [self.fresh])
        self.fresh = self.w3.provider.make_request("evm_snapshot", [])["result"]

    def stop(self) -> None:
        os.environ["INDEXOPS_HOME"] = self.home
        service.down()


def measure(chain: Chain, plan, snapshot) -> dict:
    """Run the plan's steps; return impact+fees (WETH wei, from the trades) and gas used."""
    book = chain.status.deployment
    senders = {"operator": book["products"]["dpi"]["operator"], "trader": book["accounts"]["trader"]}
    done = replay(chain.w3, plan.steps, senders, Arbitrageur(chain.w3, book))
    prices = {c.address: price_in_weth(c, snapshot.weth) for c in (*snapshot.components, *snapshot.candidates)}
    gim = contract(chain.w3, "GeneralIndexModule", book["modules"]["gim"])
    loss = 0.0
    for step, receipt in done:
        for event in gim.events.TradeExecuted().process_receipt(receipt, errors=DISCARD):
            args = event["args"]
            if args["_buyComponent"] == snapshot.weth:  # sold a component for WETH
                loss += args["_netAmountSold"] * prices[args["_sellComponent"]] - args["_netAmountReceived"]
            else:  # bought a component with WETH
                loss += args["_netAmountSold"] - args["_netAmountReceived"] * prices[args["_buyComponent"]]
    return {"loss_wei": loss, "gas": sum(r.gasUsed for _, r in done), "trades": sum(1 for s, _ in done if s.phase == "trade")}


def main() -> int:
    toolchain = install_toolchain()
    a, b = Chain("a", toolchain), Chain("b", toolchain)
    try:
        target = choose_product(load_config(ROOT / "products.toml"), "dpi", "sandbox")
        targets = load_targets(TARGETS, set(target.where.network.tokens))
        rows, baseline = [], None
        for gwei in GAS_PRICES_GWEI:
            a.reset()
            inputs = read_plan_inputs(connect(a.status.running.rpc_url, 31337), target, targets=targets, gas_price_gwei=gwei)
            rebalance = plan_rebalance_for(inputs)
            ours = measure(a, assemble(inputs, rebalance, NOW), inputs.snapshot)
            if baseline is None:  # the baseline's chunks do not depend on the gas price
                b.reset()
                baseline = measure(b, assemble(inputs, as_baseline(rebalance), NOW), inputs.snapshot)
            eth_usd = rebalance.eth_usd
            rows.append((gwei, ours, baseline, eth_usd))
        print(f"DPI rebalance to {TARGETS.name}; costs in USD (impact + fees measured from executed trades, gas used x gas price)")
        print(f"{'gwei':>5} | {'indexops trades':>15} {'cost':>10} | {'baseline trades':>15} {'cost':>10} | ratio")
        worst = 0.0
        for gwei, ours, base, eth_usd in rows:
            cost = lambda m: (m["loss_wei"] + m["gas"] * gwei * 10**9) / 1e18 * eth_usd  # noqa: E731
            ratio = cost(ours) / cost(base)
            worst = max(worst, ratio)
            print(f"{gwei:>5} | {ours['trades']:>15} {cost(ours):>10,.0f} | {base['trades']:>15} {cost(base):>10,.0f} | {ratio:.3f}x")
        at_30 = next(cost_ratio for cost_ratio in [
            ((o["loss_wei"] + o["gas"] * 30e9) / (bb["loss_wei"] + bb["gas"] * 30e9)) for g, o, bb, _ in rows if g == 30])
        verdict = "OK" if at_30 <= 0.8 and worst <= 1.0 else "MISSED"
        print(f"goal: <= 0.80x at 30 gwei (got {at_30:.3f}x), <= 1.00x everywhere (worst {worst:.3f}x): {verdict}")
        return 0 if verdict == "OK" else 1
    finally:
        a.stop()
        b.stop()


if __name__ == "__main__":
    sys.exit(main())
