"""The keeper's pure pieces: pause flags, the decision lines, the journal key of a decision."""

from __future__ import annotations

import io
import json

import pytest

from indexops.errors import UsageError
from indexops.keeper import pause
from indexops.keeper.log import Line, human, writer
from indexops.keeper.sending import run_hash

GENESIS = "0x" + "ab" * 32


def test_pause_and_resume_write_and_remove_the_flag(tmp_path):
    assert not pause.is_paused(tmp_path, "eth2x-fli")
    assert pause.pause(tmp_path, "eth2x-fli") and not pause.pause(tmp_path, "eth2x-fli")
    assert pause.is_paused(tmp_path, "eth2x-fli") and not pause.is_paused(tmp_path, "btc2x-fli")
    assert pause.resume(tmp_path, "eth2x-fli") and not pause.resume(tmp_path, "eth2x-fli")
    assert not pause.is_paused(tmp_path, "eth2x-fli")


@pytest.mark.parametrize("key", ["../etc", "a/b", "", ".hidden"])
def test_a_key_that_is_not_a_file_name_is_refused(tmp_path, key):
    with pytest.raises(UsageError):
        pause.pause(tmp_path, key)


def test_a_decision_is_one_json_object_per_line_with_its_fields():
    out = io.StringIO()
    line = Line(
        "decision",
        "eth2x-fli",
        12,
        action="ripcord",
        reason="r",
        gas="send",
        why="w",
        max_fee_gwei=3.0,
        priority_fee_gwei=1.0,
        tx_hash="0x" + "1" * 64,
    )
    writer("json", out)(line)
    writer("json", out)(Line("paused", "btc2x-fli", 12))
    first, second = (json.loads(text) for text in out.getvalue().splitlines())
    assert first["product"] == "eth2x-fli" and first["block"] == 12 and first["action"] == "ripcord"
    assert first["reason"] == "r" and first["max_fee_gwei"] == 3.0 and first["tx_hash"] == "0x" + "1" * 64
    assert second["kind"] == "paused" and second["tx_hash"] is None


def test_a_human_decision_line_says_the_action_why_the_fee_and_the_transaction():
    line = Line(
        "decision",
        "eth2x-fli",
        12,
        action="ripcord",
        reason="at or above the ripcord ratio",
        gas="send",
        why="ripcord: pays up to 3,000 gwei",
        max_fee_gwei=3000.0,
        priority_fee_gwei=1.0,
        tx_hash="0xabc",
    )
    assert human(line) == (
        "block 12 eth2x-fli: ripcord (at or above the ripcord ratio) - send: ripcord: pays up to 3,000 gwei; "
        "max fee 3000 gwei, tip 1 gwei tx 0xabc"
    )
    assert human(Line("bumped", "eth2x-fli", 13, action="rebalance", attempt=2, nonce=7, tx_hash="0xdef")) == (
        "block 13 eth2x-fli: bumped rebalance attempt 2 nonce 7 tx 0xdef"
    )


def test_each_decision_has_its_own_journal_key():
    key = run_hash("eth2x-fli", GENESIS, "ripcord", "UniswapV3", 100)
    assert key == run_hash("eth2x-fli", GENESIS.upper().replace("0X", "0x"), "ripcord", "UniswapV3", 100)
    others = {
        run_hash("btc2x-fli", GENESIS, "ripcord", "UniswapV3", 100),
        run_hash("eth2x-fli", "0x" + "cd" * 32, "ripcord", "UniswapV3", 100),
        run_hash("eth2x-fli", GENESIS, "rebalance", "UniswapV3", 100),
        run_hash("eth2x-fli", GENESIS, "ripcord", "SushiSwap", 100),
        run_hash("eth2x-fli", GENESIS, "ripcord", "UniswapV3", 101),
    }
    assert key not in others and len(others) == 5 and len(key) == 66
