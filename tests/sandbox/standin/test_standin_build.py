"""compile_standin: cached by sources and versions; one-line SandboxError on failure."""

from __future__ import annotations

import json
import time

import pytest

from indexops.errors import SandboxError
from indexops.sandbox.standin_build import compile_standin

pytestmark = pytest.mark.chain


def test_second_compile_comes_from_the_cache(standin_toolchain, tmp_path):
    args = (standin_toolchain.node, standin_toolchain.solc, standin_toolchain.set_v2, standin_toolchain.openzeppelin, tmp_path)
    first = compile_standin(*args)
    cached = list(tmp_path.glob("standin-*.json"))
    assert len(cached) == 1
    assert json.loads(cached[0].read_text()) == first

    started = time.perf_counter()
    assert compile_standin(*args) == first
    assert time.perf_counter() - started < 0.5
    for name in ("DelegatedManager", "ManagerCore", "DelegatedManagerFactory", "TradeExtension",
                 "BatchTradeExtension", "StreamingFeeSplitExtension", "IssuanceExtension", "ClaimExtension"):
        assert first[name]["bytecode"].startswith("0x") and len(first[name]["bytecode"]) > 2 and first[name]["abi"]


def test_missing_imports_give_one_line(standin_toolchain, tmp_path):
    empty = tmp_path / "oz"
    empty.mkdir()
    (empty / "package.json").write_text('{"name": "@openzeppelin/contracts", "version": "0.0.0"}')
    with pytest.raises(SandboxError) as raised:
        compile_standin(standin_toolchain.node, standin_toolchain.solc, standin_toolchain.set_v2, empty, tmp_path / "cache")
    message = str(raised.value)
    assert "\n" not in message and message.startswith("compiling the manager stand-in failed:")
    assert not list(tmp_path.rglob("standin-*.json"))


def test_missing_node_or_package(standin_toolchain, tmp_path):
    with pytest.raises(SandboxError, match="node not found"):
        compile_standin(str(tmp_path / "no-node"), standin_toolchain.solc, standin_toolchain.set_v2, standin_toolchain.openzeppelin, tmp_path)
    with pytest.raises(SandboxError, match="no OpenZeppelin contracts package"):
        compile_standin(standin_toolchain.node, standin_toolchain.solc, standin_toolchain.set_v2, tmp_path / "nothing", tmp_path)
