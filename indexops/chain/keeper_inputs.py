"""What a keeper's gas decision needs from the chain beside the strategy: the fee quote and the ETH price.

The quote is the pending block's `baseFeePerGas` and the node's `eth_maxPriorityFeePerGas` (a node
without that method gets `DEFAULT_PRIORITY_FEE`). An answer that is not what the JSON-RPC spec says
(no base fee, a value that is not a hex quantity) is a `GarbageAnswer` (`answers.py`), one line naming
the method. The ETH price, USD per whole ETH in precise units, is the collateral's when it is WETH, else
Compound's own: its price oracle's `getUnderlyingPrice(cETH)` (scaled 10^(36 - 18) = 10^18 for ETH).
"""

from __future__ import annotations

from eth_utils import keccak

from indexops.chain.abis import contract
from indexops.chain.answers import GarbageAnswer, quantity, shown
from indexops.chain.connection import Connection
from indexops.chain.leverage_reader import LeverageReading
from indexops.config.models import Network
from indexops.leverage.gas_policy import GWEI, GasQuote

DEFAULT_PRIORITY_FEE = 1 * GWEI
GET_UNDERLYING_PRICE = "0x" + keccak(text="getUnderlyingPrice(address)")[:4].hex()


def read_gas_quote(connection: Connection) -> GasQuote:
    """The pending block's base fee and the node's priority fee quote, wei per gas."""
    provider = connection.w3.provider
    answer = provider.make_request("eth_getBlockByNumber", ["pending", False])
    block = answer.get("result") if isinstance(answer, dict) else None
    if not isinstance(block, dict):
        raise GarbageAnswer(connection, "eth_getBlockByNumber(pending)", f"no block ({shown(answer)})")
    base_fee = quantity(block.get("baseFeePerGas"))
    if base_fee is None:
        what = "no baseFeePerGas (a chain without EIP-1559?)" if "baseFeePerGas" not in block else "a bad baseFeePerGas"
        raise GarbageAnswer(connection, "eth_getBlockByNumber(pending)", what)
    try:
        tip_answer = provider.make_request("eth_maxPriorityFeePerGas", [])
    except Exception:  # a node without the method may close the request rather than answer an error
        return GasQuote(base_fee, DEFAULT_PRIORITY_FEE)
    if not isinstance(tip_answer, dict) or "result" not in tip_answer:
        return GasQuote(base_fee, DEFAULT_PRIORITY_FEE)  # an error answer: the method is not supported
    tip = quantity(tip_answer["result"])
    if tip is None:
        raise GarbageAnswer(connection, "eth_maxPriorityFeePerGas", shown(tip_answer["result"]))
    return GasQuote(base_fee, tip)


def eth_usd(network: Network, connection: Connection, reading: LeverageReading) -> int | None:
    """USD per ETH in precise units: the collateral's price when it is WETH, else Compound's oracle's for cETH."""
    weth = network.tokens.get(network.weth)
    if weth is not None and weth.address.lower() == reading.strategy.collateral_asset.lower():
        return reading.state.collateral_price
    ceth = network.tokens.get("cETH")
    if ceth is None:
        return None
    return read_eth_usd(connection, reading.strategy.comptroller, ceth.address)


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
