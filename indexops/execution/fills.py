"""What a mined step actually traded, read from its receipt's events (GIM and TradeModule)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

from eth_abi import decode
from eth_utils import keccak, to_checksum_address

TRADE_EXECUTED = keccak(text="TradeExecuted(address,address,address,address,address,uint256,uint256,uint256)")
COMPONENT_EXCHANGED = keccak(text="ComponentExchanged(address,address,address,address,uint256,uint256,uint256)")


@dataclass(frozen=True)
class Fill:
    set_token: str
    sent_token: str
    received_token: str
    sent: int
    received: int
    protocol_fee: int

    def as_json(self) -> dict:
        return asdict(self)


def fills_in(logs: Sequence[Mapping]) -> list[Fill]:
    """Every GIM TradeExecuted and TradeModule ComponentExchanged in the logs, in log order."""
    fills = []
    for log in logs:
        topics = [_bytes(t) for t in log["topics"]]
        if len(topics) != 4 or topics[0] not in (TRADE_EXECUTED, COMPONENT_EXCHANGED):
            continue
        set_token, sent_token, received_token = (to_checksum_address(t[-20:]) for t in topics[1:])
        data = _bytes(log["data"])
        if topics[0] == TRADE_EXECUTED:
            _adapter, _executor, sent, received, fee = decode(
                ["address", "address", "uint256", "uint256", "uint256"], data
            )
        else:
            _adapter, sent, received, fee = decode(["address", "uint256", "uint256", "uint256"], data)
        fills.append(Fill(set_token, sent_token, received_token, sent, received, fee))
    return fills


def _bytes(value) -> bytes:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    return bytes.fromhex(value[2:] if value.startswith("0x") else value)
