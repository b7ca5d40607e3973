"""The keeper's fee quote from the node: the pending base fee, the tip or its fallback, garbage refused in one line."""

from __future__ import annotations

import pytest

from indexops.chain.connection import Connection
from indexops.chain.keeper_inputs import DEFAULT_PRIORITY_FEE, GarbageAnswer, read_gas_quote
from indexops.leverage.gas_policy import GasQuote

GWEI = 10**9


class _Provider:
    def __init__(self, block, tip):
        self.answers = {"eth_getBlockByNumber": block, "eth_maxPriorityFeePerGas": tip}

    def make_request(self, method, params):
        answer = self.answers[method]
        if isinstance(answer, Exception):
            raise answer
        return answer


class _W3:
    def __init__(self, provider):
        self.provider = provider


class _Connection:
    """What read_gas_quote uses of a Connection: its web3 and the URL it talks to."""

    def __init__(self, w3):
        self.w3 = w3
        self.rpc_url = "https://node.example/v2/SECRETKEY"


def _connection(block, tip) -> Connection:
    return _Connection(_W3(_Provider(block, tip)))  # type: ignore[return-value]


def _block(base_fee="0xba43b7400") -> dict:
    return {"jsonrpc": "2.0", "id": 1, "result": {"number": "0x10", "baseFeePerGas": base_fee}}


def test_the_quote_is_the_pending_base_fee_and_the_nodes_tip():
    quote = read_gas_quote(_connection(_block(), {"jsonrpc": "2.0", "id": 2, "result": hex(2 * GWEI)}))
    assert quote == GasQuote(base_fee=50 * GWEI, priority_fee=2 * GWEI)


@pytest.mark.parametrize(
    "tip",
    [{"jsonrpc": "2.0", "id": 2, "error": {"code": -32601, "message": "method not found"}}, ConnectionError("closed")],
)
def test_a_node_without_a_tip_quote_gets_the_default_tip(tip):
    assert read_gas_quote(_connection(_block(), tip)) == GasQuote(50 * GWEI, DEFAULT_PRIORITY_FEE)


@pytest.mark.parametrize(
    ("block", "tip", "says"),
    [
        ({"jsonrpc": "2.0", "id": 1, "result": None}, None, "eth_getBlockByNumber(pending) with no block"),
        ("<html>bad gateway</html>", None, "eth_getBlockByNumber(pending) with no block"),
        ({"jsonrpc": "2.0", "result": {"number": "0x1"}}, None, "no baseFeePerGas"),
        (_block(base_fee="fifty"), None, "a bad baseFeePerGas"),
        (_block(), {"jsonrpc": "2.0", "id": 2, "result": "lots"}, "eth_maxPriorityFeePerGas with 'lots'"),
    ],
)
def test_garbage_is_one_line_exit_2_without_the_url_path(block, tip, says):
    with pytest.raises(GarbageAnswer) as caught:
        read_gas_quote(_connection(block, tip))
    message = str(caught.value)
    assert says in message and "\n" not in message and "SECRETKEY" not in message
    assert caught.value.exit_code == 2
