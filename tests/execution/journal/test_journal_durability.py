"""A journal write survives a SIGKILL once the call has returned, and is never half-written.

Two ways in:
- in a forked child, kill the process just before each SQL statement of a `record_signed`
  call in turn (through SQLite's trace hook), then right after the call returns: before the
  COMMIT statement runs the record must be wholly absent, after the call returns wholly present;
- in fresh interpreters that journal steps in a loop, kill at arbitrary moments: every write
  they reported as returned is there, and at most the one call in progress shows up beyond it,
  whole.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from indexops.execution.journal import Journal
from indexops.execution.journal.model import StepState
from tests.execution.journal.journal_helpers import CHAIN_ID, GENESIS, PLAN, Clock, signed
from tests.paths import REPO

TX = signed(11)

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork and SIGKILL")


def _begun(folder: Path) -> Path:
    path = folder / "journal.sqlite3"
    with Journal.open(path, clock=Clock()) as journal:
        journal.begin_run(PLAN, "dpi", "mainnet", CHAIN_ID, "plans/dpi.json", chain_genesis=GENESIS)
    return path


def _statements_of_one_record_signed(path: Path) -> list[str]:
    with Journal.open(path, clock=Clock()) as journal, journal.acquire(PLAN):
        seen: list[str] = []
        journal._conn.set_trace_callback(seen.append)
        journal.record_signed(PLAN, 0, **TX.args())
        journal._conn.set_trace_callback(None)
    return seen


def _record_signed_in_a_child_killed(path: Path, before_statement: int | None) -> None:
    """Fork; the child journals TX and is SIGKILLed before statement n (1-based), or after the call."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        try:
            journal = Journal.open(path, clock=Clock())
            journal.acquire(PLAN)
            count = 0

            def trace(_sql: str) -> None:
                nonlocal count
                count += 1
                if count == before_statement:
                    os.kill(os.getpid(), signal.SIGKILL)

            journal._conn.set_trace_callback(trace)
            journal.record_signed(PLAN, 0, **TX.args())
            os.kill(os.getpid(), signal.SIGKILL)
        finally:
            os._exit(3)
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, status


def _what_survived(path: Path) -> str:
    with Journal.open(path) as journal:
        assert journal._conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        steps = journal.steps(PLAN)
        kinds = [e.kind for e in journal.events(PLAN)]
    if not steps:
        assert kinds == ["run-started"]
        return "absent"
    [step] = steps
    [attempt] = step.attempts
    assert step.state is StepState.SIGNING
    assert (attempt.tx_hash, attempt.raw_tx, attempt.sender, attempt.nonce, attempt.max_fee_per_gas,
            attempt.gas_limit) == (TX.tx_hash, TX.raw, TX.sender, TX.nonce, TX.max_fee_per_gas, TX.gas_limit)
    assert kinds == ["run-started", "signed"]
    return "present"


def test_killed_before_each_statement_or_after_return(tmp_path):
    base = _begun(tmp_path / "base")
    dry = tmp_path / "dry"
    shutil.copytree(base.parent, dry)
    statements = _statements_of_one_record_signed(dry / base.name)
    assert statements[0] == "BEGIN IMMEDIATE" and statements[-1] == "COMMIT"
    outcomes = []
    for point in [*range(1, len(statements) + 1), None]:
        copy = tmp_path / f"kill-{point}"
        shutil.copytree(base.parent, copy)
        _record_signed_in_a_child_killed(copy / base.name, point)
        outcomes.append(_what_survived(copy / base.name))
    assert outcomes == ["absent"] * len(statements) + ["present"]


CHILD = r"""
import sys
from pathlib import Path

from indexops.execution.journal import Journal
from tests.execution.journal.journal_helpers import PLAN, signed

path, count = Path(sys.argv[1]), int(sys.argv[2])
transactions = [signed(n) for n in range(count)]
journal = Journal.open(path)
journal.acquire(PLAN)
print("ready", flush=True)
sys.stdin.readline()
for n, tx in enumerate(transactions):
    journal.record_signed(PLAN, n, **tx.args())
    print("signed", n, flush=True)
    journal.record_mined(PLAN, n, 1000 + n, 21000, 1, {"step": n})
    print("mined", n, flush=True)
print("done", flush=True)
sys.stdin.readline()
"""

LOOP_STEPS = 30


def _start(path: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path), str(LOOP_STEPS)],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def _check_after_kill(path: Path, reported: list[str]) -> int:
    signed_steps = {int(line.split()[1]) for line in reported if line.startswith("signed")}
    mined_steps = {int(line.split()[1]) for line in reported if line.startswith("mined")}
    with Journal.open(path) as journal:
        assert journal._conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        steps = {s.index: s for s in journal.steps(PLAN)}
    for index, step in steps.items():
        [attempt] = step.attempts
        tx = signed(index)
        assert (attempt.tx_hash, attempt.raw_tx, attempt.nonce) == (tx.tx_hash, tx.raw, tx.nonce)
        assert step.state in (StepState.SIGNING, StepState.MINED)
        if step.state is StepState.MINED:
            assert (attempt.block_number, attempt.fills) == (1000 + index, {"step": index})
    assert all(steps[n].state is StepState.MINED for n in mined_steps)
    assert signed_steps <= set(steps)
    assert set(steps) <= signed_steps | {max(signed_steps, default=-1) + 1}
    return len(steps)


def test_fresh_processes_killed_at_arbitrary_moments(tmp_path):
    delays = (None, 0.02, 0.1)  # right after the first write returned, then mid-loop
    children = []
    for number, delay in enumerate(delays):
        path = _begun(tmp_path / f"child-{number}")
        children.append((path, delay, _start(path)))
    journaled = []
    for path, delay, child in children:
        assert child.stdout.readline().strip() == "ready"
        child.stdin.write("go\n")
        child.stdin.flush()
        reported = []
        if delay is None:  # kill the moment the first write has returned
            reported.append(child.stdout.readline().strip())
            assert reported == ["signed 0"]
        else:
            time.sleep(delay)
        child.send_signal(signal.SIGKILL)
        assert child.wait(timeout=10) == -signal.SIGKILL
        reported += [line.strip() for line in child.stdout.read().splitlines()]
        child.stdin.close()
        child.stdout.close()
        journaled.append(_check_after_kill(path, reported))
    assert journaled[0] >= 1
