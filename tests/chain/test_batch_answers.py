"""The batched reader keeps a revert or an address without code as a plain CallFailed, and marks an answer no
node gives (not hex, not decodable as the ABI's types, not a JSON-RPC answer) as garbage."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from indexops.chain.batch import BatchReader, CallFailed

ADDRESS = "0x" + "11" * 20
ERC20 = [{"type": "function", "name": "totalSupply", "inputs": [], "outputs": [{"type": "uint256"}]}]


def _read(answer) -> object:
    from web3 import Web3

    provider = SimpleNamespace(make_batch_request=lambda requests: [answer(request) for request in requests])
    w3 = SimpleNamespace(provider=provider)
    reader = BatchReader(w3, 10)
    ticket = reader.call(Web3().eth.contract(address=ADDRESS, abi=ERC20), "totalSupply")
    return reader.run()[ticket]


def test_a_decodable_answer_is_its_value():
    assert _read(lambda request: {"jsonrpc": "2.0", "id": 1, "result": "0x" + "00" * 31 + "2a"}) == 42


@pytest.mark.parametrize(
    "answer",
    [
        {"jsonrpc": "2.0", "id": 1, "error": {"code": 3, "message": "execution reverted"}},
        {"jsonrpc": "2.0", "id": 1, "result": "0x"},
    ],
    ids=["revert", "no-code"],
)
def test_a_revert_or_no_code_is_a_plain_failure(answer):
    failed = _read(lambda request: answer)
    assert isinstance(failed, CallFailed) and not failed.garbage


@pytest.mark.parametrize(
    "answer",
    [
        {"jsonrpc": "2.0", "id": 1, "result": "0x1234"},
        {"jsonrpc": "2.0", "id": 1, "result": "lots"},
        {"jsonrpc": "2.0", "id": 1, "result": 42},
        {"jsonrpc": "2.0", "id": 1},
        "<html>bad gateway</html>",
    ],
    ids=["short", "not-hex", "not-a-string", "no-result", "not-json-rpc"],
)
def test_an_answer_no_node_gives_is_garbage(answer):
    failed = _read(lambda request: answer)
    assert isinstance(failed, CallFailed) and failed.garbage
