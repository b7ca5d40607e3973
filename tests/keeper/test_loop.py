"""The block loop with stand-ins for the chain and the senders: bad input at start stops the run before anything
is sent, its first decisions are the first pass's; a product whose simulation reverts or whose read fails is a
line and the next product is served; --once waits for what it sent; a signal says what flies."""

from __future__ import annotations

import signal
from types import SimpleNamespace

import pytest

from indexops.errors import ChainError, UsageError
from indexops.interrupts import Interrupted
from indexops.keeper import loop as keeper_loop
from indexops.keeper.loop import KeeperLoop, LoopSettings
from indexops.leverage.gas_policy import GasChoice, GasFees


class FakeSender:
    def __init__(self, key: str, send=None, mined_after: int = 0):
        self.product = SimpleNamespace(key=key)
        self.signer = SimpleNamespace(address="0x" + "9" * 40)
        self.flight = None
        self._send, self.mined_after, self.follows, self.released = send, mined_after, 0, False

    def adopt_in_flight(self, block: int) -> None:
        pass

    def send(self, decision) -> str:
        if self._send is not None:
            return self._send(decision)
        self.flight = object()
        return "0x" + "ab" * 32

    def follow(self, block: int) -> None:
        self.follows += 1
        if self.follows > self.mined_after:
            self.flight = None

    def release(self) -> None:
        self.released = True


def _decision(block: int, send: bool = True):
    fees = GasFees(max_fee_per_gas=3 * 10**9, max_priority_fee_per_gas=10**9) if send else None
    return SimpleNamespace(
        block=block,
        verdict=SimpleNamespace(action=SimpleNamespace(value="ripcord"), reason=SimpleNamespace(value="r"), detail="d"),
        gas=SimpleNamespace(
            choice=GasChoice.SEND if send else GasChoice.NOTHING, fees=fees, why="w", cap_below_base_fee=False
        ),
    )


class Connection:
    def __init__(self, blocks):
        self._blocks, self._last = iter(blocks), None
        self.w3 = SimpleNamespace(eth=self)

    @property
    def block_number(self) -> int:
        self._last = next(self._blocks, self._last)
        return self._last


def _run(monkeypatch, senders, decide, blocks=(10,), once=True):
    monkeypatch.setattr(keeper_loop, "decide", decide)
    lines = []
    KeeperLoop(
        Connection(blocks), senders, LoopSettings(poll_seconds=0, once=once), lines.append, sleep=lambda s: None
    ).run()
    return lines


def test_a_revert_in_simulation_is_a_line_and_the_next_product_still_sends(monkeypatch):
    def reverts(decision):
        raise ValueError("Must be above ripcord")

    first, second = FakeSender("eth2x-fli", send=reverts), FakeSender("btc2x-fli", mined_after=2)
    lines = _run(monkeypatch, [first, second], lambda product, connection, keeper: _decision(10))
    shown = [(line.kind, line.product, line.tx_hash) for line in lines]
    assert shown == [
        ("decision", "eth2x-fli", None),
        ("error", "eth2x-fli", None),
        ("decision", "btc2x-fli", "0x" + "ab" * 32),
    ]
    assert "simulation reverts: Must be above ripcord; nothing was sent" in lines[1].detail
    assert second.follows == 3 and second.flight is None  # --once followed it until mined
    assert first.released and second.released


def test_an_rpc_failure_of_one_product_is_a_line_and_the_next_is_decided(monkeypatch):
    def decide(product, connection, keeper):
        if product.key == "eth2x-fli":
            raise ChainError("lost the RPC")
        return _decision(10, send=False)

    lines = _run(monkeypatch, [FakeSender("eth2x-fli"), FakeSender("btc2x-fli")], decide)
    assert [(line.kind, line.product) for line in lines] == [("error", "eth2x-fli"), ("decision", "btc2x-fli")]
    assert lines[0].detail == "ChainError: lost the RPC"


def test_without_once_it_decides_once_per_new_block(monkeypatch):
    seen = []

    def decide(product, connection, keeper):
        seen.append(product.key)
        if len(seen) >= 3:
            raise Interrupted(signal.SIGTERM)
        return _decision(len(seen), send=False)

    with pytest.raises(Interrupted) as stopped:
        _run(monkeypatch, [FakeSender("eth2x-fli")], decide, blocks=(10, 10, 10, 11, 11, 12), once=False)
    assert seen == ["eth2x-fli"] * 3 and stopped.value.stopped_at is None


def test_an_interruption_with_a_transaction_in_flight_says_so(monkeypatch):
    sender = FakeSender("eth2x-fli", mined_after=10**9)

    def sleep(seconds):
        raise Interrupted(signal.SIGINT)

    monkeypatch.setattr(keeper_loop, "decide", lambda product, connection, keeper: _decision(10))
    with pytest.raises(Interrupted) as stopped:
        KeeperLoop(Connection([10]), [sender], LoopSettings(poll_seconds=0, once=True), lambda line: None, sleep).run()
    assert "eth2x-fli" in stopped.value.stopped_at and "not sent again" in stopped.value.stopped_at
    assert sender.released


def test_bad_input_at_start_stops_the_run_before_anything_is_sent_or_said(monkeypatch):
    def decide(product, connection, keeper):
        if product.key == "btc2x-fli":
            raise UsageError("btc2x-fli: keeper 0x99 is not on the strategy's callAllowList")
        return _decision(10)

    first, second = FakeSender("eth2x-fli"), FakeSender("btc2x-fli")
    with pytest.raises(UsageError, match="btc2x-fli: keeper"):
        _run(monkeypatch, [first, second], decide)
    assert first.flight is None and first.follows == 0 and first.released and second.released


def test_the_first_pass_uses_the_start_decisions_and_later_bad_input_is_a_line(monkeypatch):
    seen = []

    def decide(product, connection, keeper):
        seen.append(product.key)
        if len(seen) > 1:
            raise UsageError("eth2x-fli: the RPC at http://127.0.0.1 answered garbage")
        return _decision(len(seen), send=False)

    def sleep(seconds):
        if len(seen) > 1:
            raise Interrupted(signal.SIGTERM)

    monkeypatch.setattr(keeper_loop, "decide", decide)
    lines = []
    loop = KeeperLoop(
        Connection([10, 11]), [FakeSender("eth2x-fli")], LoopSettings(poll_seconds=0), lines.append, sleep
    )
    with pytest.raises(Interrupted):
        loop.run()
    assert [(line.kind, line.block) for line in lines] == [("decision", 1), ("error", 11)]
    assert lines[1].detail == "UsageError: eth2x-fli: the RPC at http://127.0.0.1 answered garbage"


def test_a_ripcord_its_cap_cannot_pay_for_is_refused_at_start_and_a_wait_line_later(monkeypatch):
    unaffordable = _decision(10, send=False)
    unaffordable.gas.cap_below_base_fee, unaffordable.gas.cap = True, 3 * 10**9
    unaffordable.quote = SimpleNamespace(base_fee=5 * 10**9)
    with pytest.raises(UsageError, match="eth2x-fli: ripcord needed but its cap 3.00 gwei is below the base fee"):
        _run(monkeypatch, [FakeSender("eth2x-fli")], lambda product, connection, keeper: unaffordable)
    lines = []
    loop = KeeperLoop(Connection([10]), [FakeSender("eth2x-fli")], LoopSettings(poll_seconds=0), lines.append)
    loop.serve_block(10)  # after the start: the decision is said, as any other
    assert [line.kind for line in lines] == ["decision"]
