"""SIGINT and SIGTERM become `Interrupted` (exit 130 / 143); inside `uninterrupted()` they wait for the block to end."""

from __future__ import annotations

import os
import signal

import pytest

from indexops.interrupts import Interrupted, handled, uninterrupted


@pytest.mark.parametrize("signum, name, code", [(signal.SIGINT, "SIGINT", 130), (signal.SIGTERM, "SIGTERM", 143)])
def test_a_signal_raises_interrupted_with_the_shells_exit_code(signum, name, code):
    with pytest.raises(Interrupted) as raised, handled():
        os.kill(os.getpid(), signum)
        pytest.fail("the signal should have stopped the block")
    assert (raised.value.signal_name, raised.value.exit_code, raised.value.stopped_at) == (name, code, None)


def test_a_signal_during_an_uninterrupted_block_takes_effect_when_it_ends():
    written = []
    with pytest.raises(Interrupted) as raised, handled():
        with uninterrupted():
            written.append("first half")
            os.kill(os.getpid(), signal.SIGTERM)
            written.append("second half")
        written.append("after the block")
    assert written == ["first half", "second half"]
    assert raised.value.signal_name == "SIGTERM"


def test_nested_blocks_defer_to_the_outermost_and_a_second_signal_does_not_cut_the_first_short():
    written = []
    with pytest.raises(Interrupted) as raised, handled():
        with uninterrupted():
            with uninterrupted():
                os.kill(os.getpid(), signal.SIGINT)
                written.append("inner")
            written.append("outer")
        os.kill(os.getpid(), signal.SIGTERM)
    assert written == ["inner", "outer"]
    assert raised.value.signal_name == "SIGINT"


def test_the_previous_handlers_come_back():
    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    with handled():
        assert signal.getsignal(signal.SIGINT) is not before[0]
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before
    with uninterrupted():  # without handlers installed, nothing is deferred or raised
        pass


class _SignalledWhileCollected:
    def __del__(self):
        os.kill(os.getpid(), signal.SIGINT)  # the handler runs here, and Python drops what a finalizer raises


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_an_interruption_dropped_by_a_finalizer_is_raised_again_at_the_next_checkpoint():
    from indexops.interrupts import checkpoint

    ran_on = []
    with pytest.raises(Interrupted) as raised, handled():
        _SignalledWhileCollected()  # collected at once: the Interrupted raised inside __del__ is dropped
        ran_on.append("the code went on")
        checkpoint()
        ran_on.append("after the checkpoint")
    assert ran_on == ["the code went on"] and raised.value.signal_name == "SIGINT"


def test_a_checkpoint_without_a_signal_does_nothing():
    from indexops.interrupts import checkpoint

    with handled():
        checkpoint()
