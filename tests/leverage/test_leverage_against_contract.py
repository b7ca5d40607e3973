"""Differential test: indexops.leverage against the real FlexibleLeverageStrategyExtension bytecode.

The extension is deployed from @setprotocol/index-coop-contracts 0.0.25's artifact on a private anvil,
reading stand-ins (contract_stand_ins.sol) whose answers each case sets, its TWAP ratio and timestamps
written into its storage. For random settings and states (boundaries of every band and cooldown
included) the test compares, to the wei: getCurrentLeverageRatio(), shouldRebalance(),
getChunkRebalanceNotional(names), and for rebalance / iterateRebalance / ripcord / disengage / engage
on each exchange either the revert message or the lever / delever arguments the call sends.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import pytest

from indexops.leverage import (
    Call,
    ExchangeSettings,
    Execution,
    Incentive,
    LeverageSettings,
    LeverageState,
    Methodology,
    Reverts,
    check_call,
    chunk_rebalance_notional,
    collateral_balance_from_ctokens,
    leverage_ratio,
    oracle_price,
    ratio_after_price_move,
    should_rebalance,
)
from indexops.leverage.trades import QUANTITY_IS_ZERO, REDEEM_FAILED
from indexops.sandbox.anvil import _free_port

pytestmark = pytest.mark.chain

E = 10**18
HERE = Path(__file__).resolve().parent
UNI, SUSHI = "UniswapV2ExchangeAdapter", "SushiswapExchangeAdapter"
COLLATERAL, BORROW = "0x" + "11" * 20, "0x" + "22" * 20
ERROR_SELECTOR = bytes.fromhex("08c379a0")
# storage slots of FlexibleLeverageStrategyExtension (BaseAdapter: manager + anyoneCallable, callAllowList;
# then strategy 11, methodology 5, execution 3, exchangeSettings, incentive 4, enabledExchanges, ...)
EXCHANGE_SETTINGS_SLOT, TWAP_SLOT, GLOBAL_LAST_TRADE_SLOT = 21, 27, 28
CASES = 120


def _compile_stand_ins(node_modules: Path, out: Path) -> dict:
    node = shutil.which("node")
    assert node is not None, "node runs the sandbox toolchain's solcjs"
    script = (
        "const solc = require(process.argv[1]); const fs = require('fs');"
        "const input = {language: 'Solidity', sources: {'s.sol': {content: fs.readFileSync(process.argv[2], 'utf8')}},"
        " settings: {outputSelection: {'*': {'*': ['abi', 'evm.bytecode.object']}}}};"
        "const output = JSON.parse(solc.compile(JSON.stringify(input)));"
        "for (const e of output.errors || [])"
        " if (e.severity === 'error') { console.error(e.formattedMessage); process.exit(1); }"
        "fs.writeFileSync(process.argv[3], JSON.stringify(output.contracts['s.sol']));"
    )
    subprocess.run(
        [node, "-e", script, str(node_modules / "solc"), str(HERE / "contract_stand_ins.sol"), str(out)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return json.loads(out.read_text())


@dataclass
class Harness:
    w3: object
    me: str
    world: object
    collateral_oracle: object
    borrow_oracle: object
    extension: object
    selectors: dict = field(default_factory=dict)

    def send(self, function) -> None:
        tx = function.transact({"from": self.me, "gas": 2_000_000})
        assert self.w3.eth.wait_for_transaction_receipt(tx).status == 1

    def set_slot(self, slot: int, value: int) -> None:
        self.w3.provider.make_request(
            "anvil_setStorageAt",
            [self.extension.address, "0x" + slot.to_bytes(32, "big").hex(), "0x" + value.to_bytes(32, "big").hex()],
        )

    def exchange_slot(self, name: str) -> int:
        from eth_utils import keccak

        return int.from_bytes(keccak(name.encode() + EXCHANGE_SETTINGS_SLOT.to_bytes(32, "big")), "big")

    def view(self, function):
        try:
            return ("ok", function.call({"from": self.me}))
        except Exception as error:
            return ("revert", str(error))

    def call(self, function):
        """("ok", None), ("revert", reason) or (module function, its arguments)."""
        from eth_abi import decode

        data = function._encode_transaction_data()
        answer = self.w3.provider.make_request(
            "eth_call",
            [{"from": self.me, "to": self.extension.address, "data": data, "gas": hex(20_000_000)}, "latest"],
        )
        if "error" not in answer:
            return ("ok", None)
        raw = answer["error"].get("data")
        if isinstance(raw, dict):
            raw = raw.get("data")
        if not raw or raw == "0x":
            return ("revert", answer["error"].get("message", ""))
        raw = bytes.fromhex(raw[2:])
        if raw[:4] == ERROR_SELECTOR:
            return ("revert", decode(["string"], raw[4:])[0])
        kind, types = self.selectors[raw[:4]]
        return (kind, decode(types, raw[4:]))


@pytest.fixture(scope="module")
def contract(toolchain, tmp_path_factory) -> Iterator[Harness]:
    from eth_utils import keccak
    from web3 import Web3

    built = _compile_stand_ins(toolchain.node_modules, tmp_path_factory.mktemp("stand-ins") / "out.json")
    port = _free_port()
    anvil = subprocess.Popen(
        [str(toolchain.anvil), "--port", str(port), "--silent"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        w3 = Web3(Web3.HTTPProvider(f"http://127.0.0.1:{port}", request_kwargs={"timeout": 60}))
        deadline = time.monotonic() + 20
        while not w3.is_connected():
            assert time.monotonic() < deadline, "anvil did not answer"
            time.sleep(0.1)
        me = w3.eth.accounts[0]

        def deploy(abi, bytecode, *args):
            tx = (
                w3.eth.contract(abi=abi, bytecode=bytecode).constructor(*args).transact({"from": me, "gas": 29_000_000})
            )
            receipt = w3.eth.wait_for_transaction_receipt(tx)
            assert receipt.status == 1
            return w3.eth.contract(address=receipt.contractAddress, abi=abi)

        def stand_in(name):
            return deploy(built[name]["abi"], "0x" + built[name]["evm"]["bytecode"]["object"])

        world, collateral_oracle, borrow_oracle = stand_in("World"), stand_in("Oracle"), stand_in("Oracle")
        artifact = json.loads(
            (
                toolchain.index_coop
                / "artifacts/contracts/adapters/FlexibleLeverageStrategyExtension.sol"
                / "FlexibleLeverageStrategyExtension.json"
            ).read_text()
        )
        w = world.address
        strategy = (w, w, w, collateral_oracle.address, borrow_oracle.address, w, w, COLLATERAL, BORROW, 10, 22)
        exchange = (200 * E, 0, 500 * E, b"", b"")
        extension = deploy(
            artifact["abi"],
            artifact["bytecode"],
            w,
            strategy,
            (2 * E, 17 * E // 10, 23 * E // 10, 5 * E // 100, 86_400),
            (E // 100, 2 * E // 100, 30),
            (E, 27 * E // 10, 5 * E // 100, 1),
            [UNI, SUSHI],
            [exchange, exchange],
        )
        harness = Harness(w3, me, world, collateral_oracle, borrow_oracle, extension)
        module_args = ["address", "address", "address", "uint256", "uint256", "string", "bytes"]
        for kind, signature, types in [
            ("lever", "lever(address,address,address,uint256,uint256,string,bytes)", module_args),
            ("delever", "delever(address,address,address,uint256,uint256,string,bytes)", module_args),
            (
                "zero",
                "deleverToZeroBorrowBalance(address,address,address,uint256,string,bytes)",
                ["address", "address", "address", "uint256", "string", "bytes"],
            ),
        ]:
            harness.selectors[keccak(text=signature)[:4]] = (kind, types)
        harness.send(world.functions.setOperator(me))
        harness.send(extension.functions.updateCallerStatus([me], [True]))
        yield harness
    finally:
        anvil.terminate()
        anvil.wait(timeout=10)


def _random_case(rng: random.Random, now: int):
    """Settings, exchanges and a state, near the edges of every rule."""
    low = rng.randint(11, 20) * E // 10
    target = low + rng.randint(0, 8) * E // 10
    high = target + rng.randint(0, 8) * E // 10
    ripcord = high + rng.randint(0, 10) * E // 10
    speed = rng.choice([E // 100, 5 * E // 100, E // 10, E // 3, E, rng.randint(1, E)])
    interval, cooldown = rng.choice([86_400, 3_600, 600]), rng.choice([0, 30, 60, 300])
    ripcord_cooldown = min(rng.choice([0, 1, 10]), cooldown)
    settings = LeverageSettings(
        Methodology(target, low, high, speed, interval),
        Execution(rng.choice([0, E // 100, 5 * E // 100, rng.randint(0, E // 2)]), rng.choice([0, E // 50]), cooldown),
        Incentive(rng.choice([0, E]), ripcord, rng.choice([E // 20, E // 10]), ripcord_cooldown),
    )
    scale = 10 ** rng.choice([18, 8])

    def moment():
        return rng.choice(
            [now, now - 1, now - 2, now - cooldown, now - cooldown - 1, now - interval, now - interval - 1, 0]
            + [now - ripcord_cooldown, now - ripcord_cooldown - 1, now - rng.randint(0, 2 * interval)]
        )

    exchanges = {
        UNI: ExchangeSettings(rng.choice([1, 200, 10**6]) * scale, moment(), rng.choice([0, 3, 500, 10**6]) * scale),
        SUSHI: ExchangeSettings(
            rng.randint(1, 10**8) * scale // 100, moment(), rng.choice([0, rng.randint(1, 10**8) * scale // 100])
        ),
    }
    answers = (rng.randint(1, 100_000 * 10**8), rng.choice([10**8, rng.randint(9 * 10**7, 11 * 10**7)]))
    rate = rng.choice([E, 2 * 10**26, rng.randint(10**26, 3 * 10**26)])
    ctokens = rng.choice([0, rng.randint(1, 10**26), rng.randint(10**18, 10**24)]) * E // rate
    collateral = collateral_balance_from_ctokens(ctokens, rate)
    collateral_price, borrow_price = oracle_price(answers[0], 10), oracle_price(answers[1], 22)
    value = collateral_price * collateral // E
    ratio = rng.choice([E, low, high, ripcord, target, rng.randint(E, 3 * E), rng.randint(E, 5 * E)])
    borrow = 0 if rng.random() < 0.07 else (value - value * E // ratio) * E // borrow_price
    supply = rng.choice([0, 1, rng.randint(1, 10**24)]) if rng.random() < 0.05 else rng.randint(E, 10**24)
    state = LeverageState(
        collateral_balance=collateral,
        borrow_balance=borrow,
        collateral_price=collateral_price,
        borrow_price=borrow_price,
        set_total_supply=supply,
        collateral_factor=rng.choice([75 * E // 100, rng.randint(E // 2, 9 * E // 10)]),
        timestamp=now,
        twap_leverage_ratio=rng.choice([0, 0, 0, target, low, high, rng.randint(E, 4 * E)]),
        global_last_trade_timestamp=moment(),
    )
    return settings, exchanges, state, (ctokens, rate, answers)


def _load(contract: Harness, settings: LeverageSettings, exchanges, state: LeverageState, raw) -> None:
    ext, m, x, i = contract.extension.functions, settings.methodology, settings.execution, settings.incentive
    contract.set_slot(TWAP_SLOT, 0)  # the setters refuse during a TWAP
    # an order in which every intermediate combination passes the contract's own validation
    contract.send(ext.setIncentiveSettings((i.ether_reward, 100 * E, i.incentivized_slippage_tolerance, 0)))
    contract.send(ext.setExecutionSettings((x.unutilized_leverage_percentage, x.slippage_tolerance, 0)))
    contract.send(
        ext.setMethodologySettings(
            (
                m.target_leverage_ratio,
                m.min_leverage_ratio,
                m.max_leverage_ratio,
                m.recentering_speed,
                m.rebalance_interval,
            )
        )
    )
    contract.send(
        ext.setExecutionSettings((x.unutilized_leverage_percentage, x.slippage_tolerance, x.twap_cooldown_period))
    )
    contract.send(
        ext.setIncentiveSettings(
            (
                i.ether_reward,
                i.incentivized_leverage_ratio,
                i.incentivized_slippage_tolerance,
                i.incentivized_twap_cooldown_period,
            )
        )
    )
    for name, exchange in exchanges.items():
        contract.send(
            ext.updateEnabledExchange(
                name, (exchange.twap_max_trade_size, 0, exchange.incentivized_twap_max_trade_size, b"", b"")
            )
        )
        contract.set_slot(contract.exchange_slot(name) + 1, exchange.exchange_last_trade_timestamp)
    ctokens, rate, (collateral_answer, borrow_answer) = raw
    contract.send(
        contract.world.functions.set(
            ctokens, rate, state.borrow_balance, state.set_total_supply, state.collateral_factor
        )
    )
    contract.send(contract.collateral_oracle.functions.set(collateral_answer))
    contract.send(contract.borrow_oracle.functions.set(borrow_answer))
    contract.set_slot(TWAP_SLOT, state.twap_leverage_ratio)
    contract.set_slot(GLOBAL_LAST_TRADE_SLOT, state.global_last_trade_timestamp)
    contract.w3.provider.make_request("evm_setNextBlockTimestamp", [state.timestamp])
    contract.w3.provider.make_request("evm_mine", [])
    assert contract.world.functions.nowTs().call() == state.timestamp


def _mine(function, *args):
    try:
        return ("ok", function(*args))
    except Reverts as revert:
        return ("revert", revert.reason)


def _should_rebalance(state, settings, exchanges) -> dict[str, int]:
    return {name: int(value) for name, value in should_rebalance(state, settings, exchanges).items()}


def _same_view(chain, mine, convert=lambda value: value) -> bool:
    if chain[0] != mine[0]:
        return False
    return convert(chain[1]) == mine[1] if chain[0] == "ok" else mine[1] in chain[1]


def test_the_maths_and_the_rules_match_the_deployed_contract_to_the_wei(contract):
    rng = random.Random(20240601)
    start = contract.w3.eth.get_block("latest")["timestamp"] + 1_000_000
    mismatches, traded = [], 0
    for case in range(CASES):
        settings, exchanges, state, raw = _random_case(rng, start + case * 1_000_000)
        _load(contract, settings, exchanges, state, raw)
        ext = contract.extension.functions

        ratio = _mine(leverage_ratio, state)
        if not _same_view(contract.view(ext.getCurrentLeverageRatio()), ratio):
            mismatches.append((case, "getCurrentLeverageRatio", ratio))
        advice = _mine(_should_rebalance, state, settings, exchanges)
        if not _same_view(contract.view(ext.shouldRebalance()), advice, lambda got: dict(zip(*got, strict=True))):
            mismatches.append((case, "shouldRebalance", advice))
        names = [UNI, SUSHI, "not enabled"]
        sizes = _mine(chunk_rebalance_notional, state, settings, exchanges, names)
        if sizes[0] == "ok":
            lever = sizes[1].is_lever
            sizes = ("ok", ([size for _, size in sizes[1].sizes], BORROW if lever else COLLATERAL))
        if not _same_view(
            contract.view(ext.getChunkRebalanceNotional(names)), sizes, lambda got: (list(got[0]), got[1].lower())
        ):
            mismatches.append((case, "getChunkRebalanceNotional", sizes))

        for call in (Call.REBALANCE, Call.ITERATE, Call.RIPCORD, Call.DISENGAGE, Call.ENGAGE):
            for name in names:
                chain = contract.call(getattr(ext, call.value)(name))
                check = check_call(call, state, settings, exchanges, name)
                if not check.ok:
                    if check.reason == QUANTITY_IS_ZERO and chain[0] != "revert":
                        ok = chain[1][3] * state.set_total_supply // E == 0  # the module's own check
                    elif check.reason == REDEEM_FAILED and chain[0] in ("delever", "zero"):
                        ok = True  # Compound's check, beyond the stand-ins
                    else:
                        ok = chain[0] == "revert" and check.reason in chain[1]
                elif check.plan.trade is None:
                    ok = chain == ("ok", None)
                else:
                    trade = check.plan.trade
                    kind = "zero" if trade.to_zero else "lever" if trade.is_lever else "delever"
                    args = chain[1] if chain[0] == kind else None
                    ok = args is not None and args[3] == trade.send_units
                    if ok and kind != "zero":
                        ok = args[4] == trade.min_receive_units
                    traded += ok
                if not ok:
                    mismatches.append((case, f"{call.value}({name})", chain, check))
    assert not mismatches, mismatches[:5]
    assert traded > CASES // 2  # enough calls that trade to compare their arguments


def test_a_price_move_reads_as_the_contract_reads_a_moved_feed(contract):
    rng = random.Random(7)
    worst = Fraction(0)
    for _ in range(30):
        answer, collateral = rng.randint(100 * 10**8, 50_000 * 10**8), rng.randint(E, 10**24)
        price = oracle_price(answer, 10)
        value = price * collateral // E
        borrow = (value - value * E // rng.randint(11 * E // 10, 29 * E // 10)) * E // 10**30
        state = LeverageState(collateral, borrow, price, 10**30, 20_000 * E, 75 * E // 100, 0)
        pct = rng.choice([-25, -10, -5, 5, 10, 30])
        contract.send(
            contract.world.functions.set(collateral, E, borrow, state.set_total_supply, state.collateral_factor)
        )
        contract.send(contract.borrow_oracle.functions.set(10**8))
        contract.send(contract.collateral_oracle.functions.set(answer * (100 + pct) // 100))
        chain = contract.extension.functions.getCurrentLeverageRatio().call()
        mine = ratio_after_price_move(state, pct)
        worst = max(worst, abs(Fraction(chain - mine, chain)))
    assert worst < Fraction(1, 10**6)  # the feed has 8 decimals, the adjusted price 18: no more than rounding
