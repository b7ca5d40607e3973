"""SIGINT and SIGTERM as an exception: the command stops where it is, and the CLI says where and how to resume.

`handled()` (installed once, by the CLI's entry point) turns either signal into `Interrupted` in the
main thread, so a wait (a sleep, a socket read) ends at once. Code that must not be cut in half, a
journal write, runs inside `uninterrupted()`: a signal arriving there takes effect as the block
ends. Whatever raises `Interrupted` on its way up may say where it stopped (`stopped_at`).

A signal can land where Python drops exceptions (a finalizer run by the garbage collector prints
"Exception ignored" and goes on): the waits of long-running loops (`sleep`) call `checkpoint()`, which
raises the interruption again if one was raised and the code is still running.

Without `handled()` (a library caller, a test) SIGINT keeps Python's own behaviour.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(BaseException):
    """A BaseException, as KeyboardInterrupt is: no `except Exception` on the way up swallows it."""

    def __init__(self, signum: int):
        self.signum = signum
        self.stopped_at: str | None = None  # e.g. "step 5 of 42, waiting for the cool-off (nothing of it was sent)"
        super().__init__(self.signal_name)

    @property
    def signal_name(self) -> str:
        return signal.Signals(self.signum).name

    @property
    def exit_code(self) -> int:
        return 128 + self.signum  # what a shell reports for a process the signal ended: 130, 143


class _State:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.deferring = 0  # depth of `uninterrupted()` blocks
        self.pending: int | None = None  # a signal that arrived inside one
        self.raised: int | None = None  # the signal of the Interrupted on its way up: later ones do not cut it

    def interrupt(self, signum: int) -> Interrupted:
        self.raised = signum
        return Interrupted(signum)


_state = _State()


def _on_signal(signum: int, _frame) -> None:
    if _state.raised is not None:
        return
    if _state.deferring:
        _state.pending = _state.pending or signum
        return
    raise _state.interrupt(signum)


@contextmanager
def handled() -> Iterator[None]:
    """SIGINT and SIGTERM raise `Interrupted` inside the block; the previous handlers come back after it."""
    if threading.current_thread() is not threading.main_thread():  # signals reach the main thread only
        yield
        return
    previous = {signum: signal.getsignal(signum) for signum in SIGNALS}
    _state.reset()
    for signum in SIGNALS:
        signal.signal(signum, _on_signal)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


@contextmanager
def uninterrupted() -> Iterator[None]:
    """Finish the block before a signal takes effect: `Interrupted` is raised as it ends, if one came
    (even if the block raised: the person asked to stop, and that is what the command then does)."""
    _state.deferring += 1
    try:
        yield
    finally:
        _state.deferring -= 1
        if not _state.deferring and _state.pending is not None:
            signum, _state.pending = _state.pending, None
            raise _state.interrupt(signum)


def checkpoint() -> None:
    """Raise the interruption again if one was raised and the code runs on (it was dropped on its way up)."""
    if _state.raised is not None and not _state.deferring:
        raise Interrupted(_state.raised)


def sleep(seconds: float) -> None:
    """`time.sleep` after a `checkpoint()`: the wait of a loop that a dropped interruption must still stop."""
    checkpoint()
    time.sleep(seconds)
