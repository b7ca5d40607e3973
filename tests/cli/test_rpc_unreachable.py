"""A node that answers the chain-id check and then goes silent: `status` and `plan` stop at the retry policy's
deadline with one line, exit 1, no traceback, and the RPC URL without its credentials."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexops.chain import rpc_retry
from tests.chain.scripted_rpc import ScriptedRpc

SHIPPED = Path(__file__).resolve().parents[2] / "products.toml"


@pytest.mark.parametrize("command", [("status", "dpi"), ("plan", "dpi", "--out", "never.json")])
def test_an_rpc_that_goes_silent_after_startup_is_one_line_at_the_deadline(cli, monkeypatch, command, tmp_path):
    monkeypatch.setattr(rpc_retry, "PATIENCE_SECONDS", 0.5)
    monkeypatch.chdir(tmp_path)
    with ScriptedRpc("answer", *["drop"] * 500) as rpc:
        result = cli(*command, "--config", SHIPPED, "--rpc-url", f"{rpc.url}/v2/SECRETKEY?apikey=SECRET2")
    assert result.code == 1
    assert result.err == (f"error: the RPC at {rpc.url} stayed unreachable for 0.5 s (last: connection lost): "
                          "check the node, then run the same command again\n")
    assert result.out == "" and not (tmp_path / "never.json").exists()


def test_an_rpc_that_answers_502_from_the_start_is_one_line_at_the_deadline(cli, monkeypatch):
    monkeypatch.setattr(rpc_retry, "PATIENCE_SECONDS", 0.5)
    with ScriptedRpc(*["502"] * 500) as rpc:
        result = cli("status", "dpi", "--config", SHIPPED, "--rpc-url", f"{rpc.url}/v2/SECRETKEY")
    assert result.code == 1
    assert result.err == (f"error: cannot reach the RPC at {rpc.url} (no answer for 0.5 s, last: HTTP 502 Bad "
                          "Gateway): check --rpc-url or that the node is running\n")
