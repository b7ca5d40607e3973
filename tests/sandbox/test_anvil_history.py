"""The sandbox's anvil keeps a bounded history in memory and writes none of it to disk: a long chain (a
benchmark's day of blocks) no longer fills ~/.foundry/anvil/tmp, which anvil never cleans."""

from __future__ import annotations

from pathlib import Path

from indexops.sandbox import anvil

STATE_DIR = Path.home() / ".foundry" / "anvil" / "tmp"


def _state_dirs() -> set[str]:
    return {p.name for p in STATE_DIR.iterdir()} if STATE_DIR.is_dir() else set()


def test_many_blocks_leave_nothing_on_disk_and_recent_states_stay_readable(toolchain, tmp_path, monkeypatch):
    from web3 import Web3

    monkeypatch.setenv("INDEXOPS_HOME", str(tmp_path))
    before = _state_dirs()
    running = anvil.start_anvil(toolchain.anvil, anvil._free_port())
    try:
        w3 = Web3(Web3.HTTPProvider(running.rpc_url))
        sender, receiver = w3.eth.accounts[:2]
        start = w3.eth.get_balance(receiver)
        blocks = anvil.KEPT_STATES + 100
        for _ in range(blocks):
            w3.eth.send_transaction({"from": sender, "to": receiver, "value": 1})
        latest = w3.eth.block_number
        assert latest == blocks
        back = anvil.KEPT_STATES - 50
        assert w3.eth.get_balance(receiver, block_identifier=latest - back) == start + blocks - back
    finally:
        anvil.stop_anvil(running)
    assert _state_dirs() <= before
