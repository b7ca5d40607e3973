"""An interrupted executor: a journal write under way is finished first, and the run says where it stopped."""

from __future__ import annotations

import os
import signal
from types import SimpleNamespace

import pytest

from indexops.execution import chain_ops
from indexops.execution.executor import ExecutionSettings, Executor
from indexops.interrupts import Interrupted, handled
from indexops.signing import anvil_signer

TARGET = "0x000000000000000000000000000000000000dEaD"


class JournalThatIsInterruptedWhileWriting:
    """Gets SIGTERM halfway through writing the signed transaction, as a kill from outside might land."""

    def __init__(self):
        self.written, self.done = [], False

    def pending(self, plan_hash):
        return []

    def next_step(self, plan_hash, total):
        return None if self.done else 0

    def record_signed(self, plan_hash, index, sender, nonce, tx_hash, raw, max_fee, gas):
        self.written.append("signed: begun")
        os.kill(os.getpid(), signal.SIGTERM)
        self.written.append("signed: committed")


@pytest.fixture
def chain(monkeypatch):
    broadcasts = []
    for name, answer in {"simulate": None, "estimate_gas": 50_000, "base_fee": 10**9, "pending_nonce": 7}.items():
        monkeypatch.setattr(chain_ops, name, lambda *args, answer=answer: answer)
    monkeypatch.setattr(chain_ops, "broadcast", lambda w3, raw: broadcasts.append(raw))
    return broadcasts


def test_a_signal_during_a_journal_write_waits_for_it_and_nothing_is_broadcast(chain):
    step = SimpleNamespace(index=0, signer_role="operator", to=TARGET, data="0x", value=0, phase="setup",
                           function="startRebalance()", gas_estimate=0, description="start", chunk=None)
    plan = SimpleNamespace(content_hash="0x" + "ab" * 32, steps=[step, step, step], chain_id=31337, set_token=TARGET)
    journal = JournalThatIsInterruptedWhileWriting()
    executor = Executor(SimpleNamespace(provider=None), plan, journal, {"operator": anvil_signer(1)},
                        ExecutionSettings(), sleep=lambda seconds: None)
    with pytest.raises(Interrupted) as raised, handled():
        executor.run()
    assert journal.written == ["signed: begun", "signed: committed"]
    assert chain == []  # stopped before the broadcast: the next run sends these journaled bytes
    assert raised.value.exit_code == 143
    assert raised.value.stopped_at == (
        "step 0 of 3, signing and sending it (its transaction is journaled and will not be sent twice)"
    )
