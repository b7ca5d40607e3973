"""`indexops execute` interrupted while it waits out a cool-off: SIGINT exits 130 and SIGTERM 143, each with one
line saying where it stopped and the command that resumes; the resumed run finishes with every trade once on chain."""

from __future__ import annotations

import json
import os
import queue
import shlex
import signal
import subprocess
import sys
import threading

import pytest

from indexops.plans import load_plan
from tests.execution.test_execute import execute_args, gim_events, make_plan

pytestmark = pytest.mark.chain


def interrupt_at_the_first_cool_off(command: list[str], signum: int) -> tuple[int, str, dict]:
    """Run `command` (with --json) until it reports a cool-off wait, then send `signum`."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={k: v for k, v in os.environ.items() if k != "INDEXOPS_FAULT"})
    events: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [events.put(line) for line in process.stdout], daemon=True).start()
    try:
        while (event := json.loads(events.get(timeout=120)))["event"] != "cool_off":
            pass
        process.send_signal(signum)
        _, err = process.communicate(timeout=10)
    finally:
        process.kill()
    return process.returncode, err, event


def test_an_interrupted_cool_off_wait_says_where_it_stopped_and_resumes(cli, sandbox, w3, book, real, tmp_path):
    path = make_plan(cli, tmp_path, "dpi", "--gas-price", "30")
    plan = load_plan(path)
    arguments = [str(a) for a in execute_args(path, tmp_path / "journal.sqlite3", "--account", "1", "--trader", "3",
                                              "--json")]
    command = [sys.executable, "-m", "indexops", *arguments]
    resume = shlex.join(["indexops", *arguments])

    for signum, code in ((signal.SIGINT, 130), (signal.SIGTERM, 143)):
        returncode, err, waiting = interrupt_at_the_first_cool_off(command, signum)
        assert returncode == code, err
        assert err == (
            f"error: interrupted by {signal.Signals(signum).name} at step {waiting['step']} of {len(plan.steps)}, "
            f"waiting for the cool-off (nothing of it was sent); resume with: {resume}\n"
        )

    finished = subprocess.run([*command, "--warp"], capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr
    trades = [s for s in plan.steps if s.phase == "trade"]
    assert len(gim_events(real, book, "TradeExecuted")) == len(trades)  # every chunk exactly once, on chain
    assert len(gim_events(real, book, "RebalanceStarted")) == 1
