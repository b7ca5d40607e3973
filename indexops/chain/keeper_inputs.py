"""What a keeper's gas decision needs from the chain beside the strategy: the fee quote and the ETH price.

The quote is the pending block's `baseFeePerGas` and the node's `eth_maxPriorityFeePerGas` (a node
without that method gets `DEFAULT_PRIORITY_FEE`). An answer that is not what the JSON-RPC spec says
(no base fee, a value that is not a hex quantity) is a `GarbageAnswer`, one line naming the method.
The ETH price, USD per whole ETH in precise units, is Compound's own: its price oracle's
`getUnderlyingPrice(cETH)` (scaled 10^(36 - 18) = 10^18 for ETH).
"""

from __future__ import annotations

from eth_utils import keccak

from indexops.chain.abis import contract
from indexops.chain.connection import Connection, display_url
from indexops.errors import UsageError
from indexops.leverage.gas_policy import GWEI, GasQuote

DEFAULT_PRIORITY_FEE = 1 * GWEI
GET_UNDERLYING_PRICE = "0x" + keccak(text="getUnderlyingPrice(address)")[:4].hex()


class GarbageAnswer(UsageError):
    """The node answered something a JSON-RPC node never answers: the RPC URL is wrong or the node broken."""

    def __init__(self, connection: Connection, method: str, what: str):
        super().__init__(
            f"the RPC at {display_url(connection.rpc_url)} answered {method} with {what}: "
            "not a usable answer; check --rpc-url or the node"
        )


def _quantity(value: object) -> int | None:
    if not isinstance(value, str) or not value.startswith("0x") or len(value) > 66:
        return None
    try:
        return int(value, 16)
    except ValueError:
        return None


def _shown(value: object) -> str:
    return repr(value)[:40]


def read_gas_quote(connection: Connection) -> GasQuote:
    """The pending block's base fee and the node's priority fee quote, wei per gas."""
    provider = connection.w3.provider
    answer = provider.make_request("eth_getBlockByNumber", ["pending", False])
    block = answer.get("result") if isinstance(answer, dict) else None
    if not isinstance(block, dict):
        raise GarbageAnswer(connection, "eth_getBlockByNumber(pending)", f"no block ({_shown(answer)})")
    base_fee = _quantity(block.get("baseFeePerGas"))
    if base_fee is None:
        what = "no baseFeePerGas (a chain without EIP-1559?)" if "baseFeePerGas" not in block else "a bad baseFeePerGas"
        raise GarbageAnswer(connection, "eth_getBlockByNumber(pending)", what)
    try:
        tip_answer = provider.make_request("eth_maxPriorityFeePerGas", [])
    except Exception:  # a node without the method may close the request rather than answer an error
        return GasQuote(base_fee, DEFAULT_PRIORITY_FEE)
    if not isinstance(tip_answer, dict) or "result" not in tip_answer:
        return GasQuote(base_fee, DEFAULT_PRIORITY_FEE)  # an error answer: the method is not supported
    tip = _quantity(tip_answer["result"])
    if tip is None:
        raise GarbageAnswer(connection, "eth_maxPriorityFeePerGas", _shown(tip_answer["result"]))
    return GasQuote(base_fee, tip)


def read_eth_usd(connection: Connection, comptroller: str, ceth: str) -> int | None:
    """USD per ETH in precise units from the Comptroller's price oracle, or None when it cannot say."""
    w3 = connection.w3
    try:
        oracle = contract(w3, "compound/Comptroller", comptroller).functions.oracle().call()
        data = GET_UNDERLYING_PRICE + ceth[2:].lower().rjust(64, "0")
        price = int.from_bytes(bytes(w3.eth.call({"to": oracle, "data": data})), "big")
    except Exception:  # no oracle, or one without getUnderlyingPrice: the reward alone sets the cap
        return None
    return price or None
