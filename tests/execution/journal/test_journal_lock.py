"""One executor per plan: a second process is refused with who holds the plan; a dead one is taken over."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys

import pytest

from indexops.execution.journal import Journal
from indexops.execution.journal.errors import PlanLocked
from indexops.execution.journal.lock import lock_path
from tests.execution.journal.journal_helpers import GENESIS, PLAN, PLAN_B, signed
from tests.paths import REPO

HOLDER = r"""
import sys
from pathlib import Path

from indexops.execution.journal import Journal

journal = Journal.open(Path(sys.argv[1]))
journal.acquire(sys.argv[2])
print("locked", flush=True)
sys.stdin.readline()
"""


def _refusal(journal: Journal, plan: str) -> str:
    with pytest.raises(PlanLocked) as caught:
        journal.acquire(plan)
    assert caught.value.exit_code == 2
    text = str(caught.value)
    assert "\n" not in text
    return text


def test_a_second_process_is_refused_until_the_holder_dies(journal, journal_path):
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(journal_path), PLAN],
        cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        text = _refusal(journal, PLAN)
        assert re.fullmatch(
            rf"plan {PLAN[:10]} is being executed by process {holder.pid} since \d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d UTC",
            text,
        ), text
        with journal.acquire(PLAN_B):  # other plans are not held
            pass
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
        holder.stdin.close()
        holder.stdout.close()
    with journal.acquire(PLAN) as lock:  # the kernel dropped the dead holder's lock
        assert lock.held and lock.holder.pid == os.getpid()
        assert lock.taken_over is not None and lock.taken_over.pid == holder.pid


def test_a_lock_file_naming_a_dead_pid_is_taken_over(journal, journal_path):
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(gone.stdout)
    path = lock_path(journal_path, PLAN)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"pid": dead_pid, "host": socket.gethostname(), "since": "2024-01-01 00:00:00 UTC"}))
    with journal.acquire(PLAN) as lock:
        assert lock.taken_over.pid == dead_pid
        assert json.loads(path.read_text())["pid"] == os.getpid()
    assert path.read_text() == ""  # released: the file stays, empty


def test_one_process_cannot_hold_a_plan_twice(journal, journal_path):
    with journal.acquire(PLAN):
        with Journal.open(journal_path) as other:
            assert f"by process {os.getpid()}" in _refusal(other, PLAN)
        assert f"by process {os.getpid()}" in _refusal(journal, PLAN)
    with journal.acquire(PLAN):  # released by the with block
        pass


def test_releasing_the_lock_stops_writes(journal):
    journal.begin_run(PLAN, "dpi", "mainnet", 1, "p.json", chain_genesis=GENESIS)
    lock = journal.acquire(PLAN)
    journal.record_signed(PLAN, 0, **signed(0).args())
    lock.release()
    lock.release()  # twice is harmless
    from indexops.execution.journal.errors import PlanNotLocked

    with pytest.raises(PlanNotLocked):
        journal.record_sent(PLAN, 0)
