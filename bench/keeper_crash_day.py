"""A crash day, side by side: indexops' keeper against a naive keeper on the same scripted day.

The day is shaped like 19 May 2021. ETH opens 3% above the sandbox's engage price (both products a
little under their target, their rebalance interval passed: a routine rebalance is due), then falls 30%
between 06:00 and 09:00 with a -12% drop inside ten minutes (07:30-07:40), rebounds to -20% by 10:00
and stays there. BTC follows at 0.8 of ETH's move. The base fee is 45 gwei at the open, dips to 25
at 03:00, climbs to 150 by 07:25 and spikes to 1,600-1,700 gwei during the fastest fall, falls back to
400 by 08:00 and to 40 by midnight. Ticks are a minute apart from 06:00 to 10:00, ten minutes apart
otherwise.

Each tick: the market first (`sandbox.prices.move_price`: the WETH/USDC and WBTC/USDC pools the
strategies trade in, then the Chainlink feeds and Compound's oracle together in one block), then, in
one block at the tick's base fee, a liquidator (liquidateBorrow on any shortfall, outbidding the
keepers) and the keeper's turn. Every block of a tick has the tick's base fee.

- indexops: the keeper loop of `indexops keeper run` (`KeeperLoop.serve_block`) with the shipped
  products.toml's gas policies, journal and bumps, on anvil account 9.
- naive: the same account; per product, once its last transaction is mined, it sends whatever
  `shouldRebalance()` says (the first exchange that says something) at `eth_gasPrice`, unsimulated.

Printed per keeper: Compound liquidations and the largest shortfall (goal 0 for indexops), the highest
ratio, blocks from the ratio crossing the ripcord level (the block whose feed update put it there) to
the ripcord landing (goal <= 1), transactions reverted on chain (goal 0), gas in ETH and USD (goal <=
0.5x the naive keeper) and the highest price paid against the cap of the decision that sent it (goal:
never above). Both days run on fresh sandboxes of their own.
"""

from __future__ import annotations

import bisect
import math
import os
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from indexops.sandbox.toolchain import toolchain_dir

os.environ["INDEXOPS_TOOLCHAIN_DIR"] = str(toolchain_dir())  # shared install; sandboxes kept apart below

from web3 import HTTPProvider, Web3  # noqa: E402

from indexops.chain.abis import contract  # noqa: E402
from indexops.chain.connection import connect  # noqa: E402
from indexops.chain.leverage_reader import STRATEGY_ABI  # noqa: E402
from indexops.config.loader import load_config  # noqa: E402
from indexops.config.selection import choose_product  # noqa: E402
from indexops.execution import chain_ops  # noqa: E402
from indexops.execution.journal import Journal  # noqa: E402
from indexops.keeper.decide import Product  # noqa: E402
from indexops.keeper.loop import KeeperLoop, LoopSettings  # noqa: E402
from indexops.keeper.sending import Chain as KeeperChain  # noqa: E402
from indexops.keeper.sending import ProductSender  # noqa: E402
from indexops.sandbox import service  # noqa: E402
from indexops.sandbox.anvil import _free_port  # noqa: E402
from indexops.sandbox.prices import FEED_ABI, move_price  # noqa: E402
from indexops.sandbox.toolchain import install_toolchain  # noqa: E402
from indexops.signing import resolve_signer  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PRODUCTS = {"eth2x-fli": "WETH", "btc2x-fli": "WBTC"}
GWEI = 10**9
PRECISE = 10**18
HOUR, MINUTE = 3_600, 60
KEEPER, LIQUIDATOR = 9, 6  # anvil accounts: the sandbox's keeper; one with no role in the sandbox
NAIVE_GAS_LIMIT = 1_000_000
ACTIONS = {1: "rebalance", 2: "iterateRebalance", 3: "ripcord"}  # shouldRebalance's enum
OPEN_ABOVE_ENGAGE = 1.03
BTC_BETA = 0.8


# ---- the day ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tick:
    at: int  # seconds after the open
    eth: float  # ETH's price as a multiple of the open's
    base_fee_gwei: float

    @property
    def btc(self) -> float:
        return 1 + BTC_BETA * (self.eth - 1)


def _glide(t: float, start: float, end: float, a: float, b: float) -> float:
    """From a at `start` to b at `end`, evenly in log space."""
    return a * (b / a) ** ((t - start) / (end - start))


def eth_at(t: float) -> float:
    h = HOUR
    if t < 6 * h:
        return 1.0
    if t < 7.5 * h:
        return _glide(t, 6 * h, 7.5 * h, 1.0, 0.88)
    if t < 7.5 * h + 10 * MINUTE:
        return _glide(t, 7.5 * h, 7.5 * h + 10 * MINUTE, 0.88, 0.88 * 0.88)
    if t < 9 * h:
        return _glide(t, 7.5 * h + 10 * MINUTE, 9 * h, 0.88 * 0.88, 0.70)
    if t < 10 * h:
        return _glide(t, 9 * h, 10 * h, 0.70, 0.80)
    return 0.80


def base_fee_at(t: float) -> float:
    h = HOUR
    if t < 6 * h:
        return 45 - 20 * math.sin(math.pi * t / (6 * h))
    if t < 7 * h + 25 * MINUTE:
        return _glide(t, 6 * h, 7 * h + 25 * MINUTE, 45, 150)
    if t < 7 * h + 35 * MINUTE:
        return _glide(t, 7 * h + 25 * MINUTE, 7 * h + 35 * MINUTE, 150, 1_600)
    if t < 7 * h + 42 * MINUTE:
        return 1_600 + 100 * math.sin(math.pi * (t - (7 * h + 35 * MINUTE)) / (7 * MINUTE))
    if t < 8 * h:
        return _glide(t, 7 * h + 42 * MINUTE, 8 * h, 1_600, 400)
    if t < 10 * h:
        return _glide(t, 8 * h, 10 * h, 400, 100)
    return _glide(t, 10 * h, 24 * h, 100, 40)


def crash_day() -> list[Tick]:
    times = [
        *range(0, 6 * HOUR, 10 * MINUTE),
        *range(6 * HOUR, 10 * HOUR, MINUTE),
        *range(10 * HOUR, 24 * HOUR, 10 * MINUTE),
    ]
    return [Tick(t, eth_at(t), base_fee_at(t)) for t in times]


# ---- one sandbox --------------------------------------------------------------------------------


class TickFeeProvider(HTTPProvider):
    """Every block the market makes is mined at the tick's base fee, and the market's own transactions pay
    exactly it (no tip): the fee path is the scenario's, not the result of the market's gas use."""

    fee = 45 * GWEI
    market: frozenset[str] = frozenset()  # the market's accounts, lower case

    def make_request(self, method, params):
        if method in ("eth_sendTransaction", "eth_sendRawTransaction", "evm_mine", "anvil_mine"):
            super().make_request("anvil_setNextBlockBaseFeePerGas", [hex(self.fee)])
        if method == "eth_sendTransaction" and params[0].get("from", "").lower() in self.market:
            fields = {
                k: v for k, v in params[0].items() if k not in ("gasPrice", "maxFeePerGas", "maxPriorityFeePerGas")
            }
            params = [{**fields, "maxFeePerGas": hex(2 * self.fee), "maxPriorityFeePerGas": "0x0"}]
        return super().make_request(method, params)


class Sandbox:
    def __init__(self, name: str, toolchain):
        self.home = tempfile.mkdtemp(prefix=f"indexops-bench-{name}-")
        os.environ["INDEXOPS_HOME"] = self.home
        self.status = service.up(port=_free_port(), toolchain=toolchain)
        self.book = self.status.deployment
        self.provider = TickFeeProvider(self.status.running.rpc_url)
        self.provider.market = frozenset(self.book["accounts"][role].lower() for role in ("deployer", "arbitrageur"))
        self.w3 = Web3(self.provider)
        self.node = self.provider
        self.accounts = self.w3.eth.accounts
        leverage = self.book["leverage"]["products"]
        self.strategies = {key: contract(self.w3, STRATEGY_ABI, leverage[key]["strategy"]) for key in PRODUCTS}
        self.set_tokens = {key: leverage[key]["set_token"] for key in PRODUCTS}
        self.ctokens = {key: leverage[key]["borrow_ctoken"] for key in PRODUCTS}
        self.collateral_ctokens = {key: leverage[key]["collateral_ctoken"] for key in PRODUCTS}
        self.comptroller = contract(self.w3, "compound/Comptroller", self.book["compound"]["comptroller"])
        self.eth_feed = self.w3.eth.contract(address=self.book["price_feeds"]["WETH"], abi=FEED_ABI)

    def stop(self) -> None:
        os.environ["INDEXOPS_HOME"] = self.home
        service.down()

    def request(self, method: str, params: list):
        answer = self.node.make_request(method, params)
        if "error" in answer:
            raise RuntimeError(f"{method}: {answer['error']}")
        return answer["result"]

    def ratio(self, key: str) -> int:
        return self.strategies[key].functions.getCurrentLeverageRatio().call()

    def shortfall(self, key: str) -> int:
        _error, _liquidity, shortfall = self.comptroller.functions.getAccountLiquidity(self.set_tokens[key]).call()
        return shortfall


# ---- the keepers --------------------------------------------------------------------------------


class CapRecordingSender(ProductSender):
    """indexops' sender, remembering the cap of the decision behind each nonce it signs."""

    caps: dict[int, int] = {}

    def send(self, decision):
        self._deciding_cap = decision.gas.cap
        return super().send(decision)

    def _sign(self, nonce, to, data, limit, fees):
        self.caps[nonce] = self.flight.cap if self.flight is not None else self._deciding_cap
        return super()._sign(nonce, to, data, limit, fees)


class IndexopsKeeper:
    name = "indexops"

    def __init__(self, box: Sandbox, home: Path):
        config = load_config(ROOT / "products.toml")
        connection = connect(box.status.running.rpc_url, 31337)
        chain = KeeperChain(connection, 31337, chain_ops.block_hash(connection.w3, 0), "sandbox")
        signer = resolve_signer(str(KEEPER), None, environ={}, sandbox=True, password=lambda _p: "")
        self.journal = Journal.open(home / "keeper.sqlite3")
        self.lines: list = []
        CapRecordingSender.caps = {}
        self.senders = [
            CapRecordingSender(
                Product.of(choose_product(config, key, "sandbox")), chain, self.journal, signer, self.lines.append
            )
            for key in PRODUCTS
        ]
        self.loop = KeeperLoop(connection, self.senders, LoopSettings(), self.lines.append)

    def turn(self, block: int) -> None:
        self.loop.serve_block(block)

    def cap(self, nonce: int) -> int | None:
        return CapRecordingSender.caps.get(nonce)

    def close(self) -> None:
        for sender in self.senders:
            sender.release()
        self.journal.close()


class NaiveKeeper:
    name = "naive"

    def __init__(self, box: Sandbox, _home: Path):
        self.box, self.account = box, box.accounts[KEEPER]
        self.pending: dict[str, str] = {}

    def turn(self, _block: int) -> None:
        w3 = self.box.w3
        for key, strategy in self.box.strategies.items():
            if key in self.pending:
                if chain_ops.receipt_or_none(w3, self.pending[key]) is None:
                    continue  # waiting for its receipt
                del self.pending[key]
            names, verdicts = strategy.functions.shouldRebalance().call()
            said = next(((name, ACTIONS[v]) for name, v in zip(names, verdicts, strict=True) if v), None)
            if said is None:
                continue
            name, action = said
            call = getattr(strategy.functions, action)(name)
            sent = call.transact({"from": self.account, "gas": NAIVE_GAS_LIMIT, "gasPrice": w3.eth.gas_price})
            self.pending[key] = sent.to_0x_hex() if hasattr(sent, "to_0x_hex") else Web3.to_hex(sent)

    def cap(self, _nonce: int) -> int | None:
        return None

    def close(self) -> None:
        pass


# ---- a day --------------------------------------------------------------------------------------


@dataclass
class Episode:
    crossed: int  # the block whose prices put the ratio at or above the ripcord level
    landed: int | None = None  # the block of the first ripcord after it
    over: bool = False  # the ratio is back under the level


@dataclass
class Outcome:
    keeper: str
    highest_ratio: dict[str, float] = field(default_factory=lambda: dict.fromkeys(PRODUCTS, 0.0))
    episodes: dict[str, list[Episode]] = field(default_factory=lambda: {key: [] for key in PRODUCTS})
    liquidations: int = 0
    largest_shortfall_usd: float = 0.0
    sent: int = 0
    reverted: int = 0
    gas_eth: float = 0.0
    gas_usd: float = 0.0
    highest_paid_gwei: float = 0.0
    over_cap: int = 0
    highest_share_of_cap: float = 0.0
    actions: dict[str, int] = field(default_factory=dict)


class Liquidator:
    """Repays half of any underwater borrow of a product's SetToken and seizes its collateral, outbidding keepers."""

    def __init__(self, box: Sandbox):
        self.box, self.account = box, box.accounts[LIQUIDATOR]
        usdc = contract(box.w3, "ERC20", box.book["tokens"]["USDC"])
        wait = box.w3.eth.wait_for_transaction_receipt
        wait(usdc.functions.mint(self.account, 10**30).transact({"from": self.account}))
        for key in PRODUCTS:
            wait(usdc.functions.approve(box.ctokens[key], 2**255).transact({"from": self.account}))

    def act(self, key: str, fee: int) -> None:
        borrow = contract(self.box.w3, "compound/CErc20", self.box.ctokens[key])
        owed = borrow.functions.borrowBalanceStored(self.box.set_tokens[key]).call()
        repay = borrow.functions.liquidateBorrow(self.box.set_tokens[key], owed // 2, self.box.collateral_ctokens[key])
        tip = 100 * GWEI
        repay.transact(
            {"from": self.account, "gas": 1_500_000, "maxFeePerGas": 2 * fee + tip, "maxPriorityFeePerGas": tip}
        )


def open_the_day(box: Sandbox) -> tuple[dict[str, float], int]:
    """ETH and BTC a little up from the engage price, the rebalance interval passed: the opening prices and time."""
    opening = {}
    for symbol in PRODUCTS.values():
        factor = OPEN_ABOVE_ENGAGE if symbol == "WETH" else 1 + BTC_BETA * (OPEN_ABOVE_ENGAGE - 1)
        opening[symbol] = move_price(
            box.w3, box.book, symbol, by_percent=(factor - 1) * 100, pools_against={"USDC"}
        ).after_usd
    box.request("evm_increaseTime", [86_400 + 600])
    box.request("evm_mine", [])
    return opening, box.w3.eth.get_block("latest").timestamp


class Day:
    def __init__(self, box: Sandbox, keeper, outcome: Outcome):
        self.box, self.keeper, self.outcome = box, keeper, outcome
        self.liquidator = Liquidator(box)
        self.opening, self.open_time = open_the_day(box)
        self.level = {key: box.strategies[key].functions.getIncentive().call()[1] for key in PRODUCTS}
        self.prices = {"WETH": 1.0, "WBTC": 1.0}
        self.eth_usd: list[tuple[int, float]] = []  # (first block, USD per ETH) per tick: anvil keeps no old states

    def tick(self, tick: Tick) -> None:
        box, fee = self.box, int(tick.base_fee_gwei * GWEI)
        box.provider.fee = fee
        latest = box.w3.eth.get_block("latest").timestamp
        box.request("anvil_setNextBlockTimestamp", [max(self.open_time + tick.at, latest + 1)])
        self._market(tick)
        block = box.w3.eth.block_number  # the prices of this tick are in it
        self.eth_usd.append((block, box.eth_feed.functions.latestAnswer().call() / 10**8))
        box.request("evm_setAutomine", [False])
        try:
            box.request("anvil_setNextBlockBaseFeePerGas", [hex(fee)])
            for key in PRODUCTS:
                self._watch(key, block, fee)
            self.keeper.turn(block)
            box.request("evm_mine", [])
        finally:
            box.request("evm_setAutomine", [True])
        for key in PRODUCTS:
            self._settle(key)

    def _market(self, tick: Tick) -> None:
        for symbol, factor in (("WETH", tick.eth), ("WBTC", tick.btc)):
            if abs(factor / self.prices[symbol] - 1) > 1e-6:
                move_price(
                    self.box.w3, self.box.book, symbol, to_usd=self.opening[symbol] * factor, pools_against={"USDC"}
                )
                self.prices[symbol] = factor

    def _watch(self, key: str, block: int, fee: int) -> None:
        ratio, outcome = self.box.ratio(key), self.outcome
        outcome.highest_ratio[key] = max(outcome.highest_ratio[key], ratio / PRECISE)
        episodes = outcome.episodes[key]
        if ratio >= self.level[key] and (not episodes or episodes[-1].over):
            episodes.append(Episode(block))
        shortfall = self.box.shortfall(key)
        if shortfall:
            outcome.largest_shortfall_usd = max(outcome.largest_shortfall_usd, shortfall / PRECISE)
            self.liquidator.act(key, fee)

    def _settle(self, key: str) -> None:
        """The open episode lands on its first ripcord, and is over once the ratio is back under the level."""
        episodes = self.outcome.episodes[key]
        if not episodes or episodes[-1].over:
            return
        episode = episodes[-1]
        if episode.landed is None:
            ripcords = self.box.strategies[key].events.RipcordCalled.get_logs(from_block=episode.crossed)
            if ripcords:
                episode.landed = ripcords[0]["blockNumber"]
        episode.over = self.box.ratio(key) < self.level[key]


def run_day(name: str, keeper_kind, toolchain, ticks: list[Tick]) -> Outcome:
    box = Sandbox(name, toolchain)
    try:
        keeper = keeper_kind(box, Path(box.home))
        outcome = Outcome(keeper.name)
        day = Day(box, keeper, outcome)
        first_block = box.w3.eth.block_number + 1
        for tick in ticks:
            day.tick(tick)
        keeper.close()
        _count_transactions(box, keeper, outcome, first_block, day.eth_usd)
        outcome.liquidations = _liquidations(box, first_block)
        return outcome
    finally:
        box.stop()


def _count_transactions(
    box: Sandbox, keeper, outcome: Outcome, first_block: int, eth_usd: list[tuple[int, float]]
) -> None:
    account = box.accounts[KEEPER].lower()
    for number in range(first_block, box.w3.eth.block_number + 1):
        block = box.w3.eth.get_block(number, full_transactions=True)
        for tx in block.transactions:
            if tx["from"].lower() != account:
                continue
            receipt = box.w3.eth.get_transaction_receipt(tx["hash"])
            paid = receipt["effectiveGasPrice"]
            eth = receipt["gasUsed"] * paid / PRECISE
            usd = eth_usd[max(bisect.bisect_right(eth_usd, (number, math.inf)) - 1, 0)][1]
            outcome.sent += 1
            outcome.reverted += receipt["status"] != 1
            outcome.gas_eth += eth
            outcome.gas_usd += eth * usd
            outcome.highest_paid_gwei = max(outcome.highest_paid_gwei, paid / GWEI)
            selector = bytes(tx["input"])[:4]
            action = next((a for a in ACTIONS.values() if Web3.keccak(text=f"{a}(string)")[:4] == selector), "other")
            outcome.actions[action] = outcome.actions.get(action, 0) + 1
            cap = keeper.cap(tx["nonce"])
            if cap is not None:
                outcome.over_cap += tx["maxFeePerGas"] > cap or paid > cap
                outcome.highest_share_of_cap = max(outcome.highest_share_of_cap, paid / cap)


def _liquidations(box: Sandbox, first_block: int) -> int:
    count = 0
    for key in PRODUCTS:
        borrow = contract(box.w3, "compound/CErc20", box.ctokens[key])
        events = borrow.events.LiquidateBorrow.get_logs(from_block=first_block)
        count += sum(1 for e in events if e["args"]["borrower"] == box.set_tokens[key])
    return count


# ---- the report ---------------------------------------------------------------------------------


def _latency(outcome: Outcome) -> tuple[int | None, int]:
    """The most blocks any episode waited for its ripcord, and how many episodes never got one."""
    waits = [e.landed - e.crossed for eps in outcome.episodes.values() for e in eps if e.landed is not None]
    missed = sum(1 for eps in outcome.episodes.values() for e in eps if e.landed is None)
    return (max(waits) if waits else None), missed


def report(ours: Outcome, naive: Outcome) -> int:
    print(
        "Crash day (ETH -30% in 3 h, -12% in 10 min, BTC at 0.8x; base fee 25 -> 1,700 gwei), "
        "each keeper on a fresh sandbox"
    )
    header = f"{'':34} | {'indexops':>16} | {'naive':>16}"
    print(header)
    print("-" * len(header))

    def row(label: str, a: str, b: str) -> None:
        print(f"{label:34} | {a:>16} | {b:>16}")

    row("Compound liquidations", str(ours.liquidations), str(naive.liquidations))
    row("largest shortfall (USD)", f"{ours.largest_shortfall_usd:,.0f}", f"{naive.largest_shortfall_usd:,.0f}")
    for key in PRODUCTS:
        row(f"highest ratio {key}", f"{ours.highest_ratio[key]:.3f}", f"{naive.highest_ratio[key]:.3f}")
    (ours_wait, ours_missed), (naive_wait, naive_missed) = _latency(ours), _latency(naive)
    row("ripcord episodes", str(sum(map(len, ours.episodes.values()))), str(sum(map(len, naive.episodes.values()))))
    row(
        "most blocks to the ripcord",
        "-" if ours_wait is None else str(ours_wait),
        "-" if naive_wait is None else str(naive_wait),
    )
    row("episodes with no ripcord", str(ours_missed), str(naive_missed))
    row("transactions mined", str(ours.sent), str(naive.sent))
    for action in ACTIONS.values():
        row(f"  {action}", str(ours.actions.get(action, 0)), str(naive.actions.get(action, 0)))
    row("reverted on chain", str(ours.reverted), str(naive.reverted))
    row("gas (ETH)", f"{ours.gas_eth:.4f}", f"{naive.gas_eth:.4f}")
    row("gas (USD)", f"{ours.gas_usd:,.0f}", f"{naive.gas_usd:,.0f}")
    row("highest gas price paid (gwei)", f"{ours.highest_paid_gwei:,.1f}", f"{naive.highest_paid_gwei:,.1f}")
    row("highest price / its cap", f"{ours.highest_share_of_cap:.3f}", "no cap")
    ratio = ours.gas_eth / naive.gas_eth if naive.gas_eth else float("inf")
    print(f"gas ratio indexops / naive: {ratio:.3f}x")
    goals = {
        "no liquidation, no shortfall": ours.liquidations == 0 and ours.largest_shortfall_usd == 0,
        "ripcord within 1 block": ours_missed == 0 and (ours_wait is None or ours_wait <= 1),
        "nothing reverted": ours.reverted == 0,
        "gas <= 0.5x naive": ratio <= 0.5,
        "never above the cap": ours.over_cap == 0,
    }
    print("goals: " + "; ".join(f"{name}: {'OK' if met else 'MISSED'}" for name, met in goals.items()))
    return 0 if all(goals.values()) else 1


def main() -> int:
    toolchain = install_toolchain()
    ticks = crash_day()
    ours = run_day("indexops", IndexopsKeeper, toolchain, ticks)
    naive = run_day("naive", NaiveKeeper, toolchain, ticks)
    return report(ours, naive)


if __name__ == "__main__":
    sys.exit(main())
