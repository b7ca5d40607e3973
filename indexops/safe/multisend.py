"""MultiSend batching: the payload, the `multiSend(bytes)` calldata, and the SafeTx around it.

From Safe 1.1.0 on, each inner call is packed as `uint8 operation | address to | uint256 value |
uint256 dataLength | data`; that is what indexops writes. MultiSend of Safe 0.1.0 and 1.0.0 took each
call ABI-encoded as `(uint8 operation, address to, uint256 value, bytes data)` instead (five words, then
the data padded to a word); decoding reads both. The Safe delegatecalls MultiSend(CallOnly) so that the
inner calls come from the Safe itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from eth_abi import decode, encode
from eth_abi.exceptions import DecodingError
from eth_utils import to_checksum_address

from indexops.safe.errors import InnerDelegateCall, MalformedMultiSend
from indexops.safe.safetx import CALL, DELEGATECALL, SafeTx
from indexops.values import checksummed, hex_bytes, unsigned

MULTISEND_SELECTOR = bytes.fromhex("8d80ff0a")  # multiSend(bytes)

MULTISEND_CALL_ONLY_1_3_0 = "0x40A2aCCbd92BCA938b02010E17A5b8929b49130D"
MULTISEND_CALL_ONLY_1_3_0_EIP155 = "0xA1dabEF33b3B82c7814B6D82A79e50F4AC44102B"
MULTISEND_CALL_ONLY_1_4_1 = "0x9641d764fc13c8B624c04430C7356C1C7C8102e2"
MULTISEND_1_3_0 = "0xA238CBeb142c10Ef7Ad8442C6D1f9E89e07e7761"
MULTISEND_1_3_0_EIP155 = "0x998739BFdAAdde7C933B942a68053933098f9EDa"

KNOWN_CALL_ONLY = frozenset({MULTISEND_CALL_ONLY_1_3_0, MULTISEND_CALL_ONLY_1_3_0_EIP155, MULTISEND_CALL_ONLY_1_4_1})

_HEADER = 1 + 20 + 32 + 32
_WORD = 32
_ABI_HEADER = 5 * _WORD  # operation, to, value, offset of data (0x80), data length
_ABI_DATA_OFFSET = 4 * _WORD

PACKED = "packed (MultiSend 1.1.0 and later)"
ABI_ENCODED = "ABI-encoded (MultiSend 1.0.0 and earlier)"


@dataclass(frozen=True, kw_only=True)
class MultiSendCall:
    to: str
    value: int = 0
    data: bytes = b""
    operation: int = CALL

    def __post_init__(self) -> None:
        object.__setattr__(self, "to", checksummed(self.to, "call.to"))
        object.__setattr__(self, "value", unsigned(self.value, "call.value"))
        object.__setattr__(self, "data", hex_bytes(self.data, "call.data"))
        object.__setattr__(self, "operation", unsigned(self.operation, "call.operation", bits=8))
        if self.operation not in (CALL, DELEGATECALL):
            raise MalformedMultiSend(f"operation must be 0 or 1, got {self.operation!r}")


def pack_multisend(calls: Sequence[MultiSendCall]) -> bytes:
    parts = []
    for call in calls:
        parts.append(
            call.operation.to_bytes(1, "big")
            + bytes.fromhex(call.to[2:])
            + call.value.to_bytes(32, "big")
            + len(call.data).to_bytes(32, "big")
            + call.data
        )
    return b"".join(parts)


def unpack_multisend(payload: bytes) -> list[MultiSendCall]:
    return read_multisend(payload)[0]


def read_multisend(payload: bytes) -> tuple[list[MultiSendCall], str]:
    """The calls of a payload in either layout, and which layout it was.

    An ABI-encoded payload opens with an operation word (31 zero bytes, then 0 or 1) and has 0x80 in
    its fourth word (where the data starts); a packed one would need a first call to the zero address
    with those exact bytes in its value and data to look the same.
    """
    if not payload:
        raise MalformedMultiSend("the payload holds no calls")
    if _looks_abi_encoded(payload):
        return _unpack_abi_encoded(payload), ABI_ENCODED
    return _unpack_packed(payload), PACKED


def _looks_abi_encoded(payload: bytes) -> bool:
    offset_word = payload[3 * _WORD : 4 * _WORD]
    return (
        len(payload) >= _ABI_HEADER
        and payload[: _WORD - 1] == bytes(_WORD - 1)
        and int.from_bytes(offset_word, "big") == _ABI_DATA_OFFSET
    )


def _unpack_packed(payload: bytes) -> list[MultiSendCall]:
    calls: list[MultiSendCall] = []
    position = 0
    while position < len(payload):
        index = len(calls)
        if len(payload) - position < _HEADER:
            left = len(payload) - position
            raise MalformedMultiSend(f"call #{index} is truncated ({left} bytes left, header needs {_HEADER})")
        operation = payload[position]
        if operation not in (CALL, DELEGATECALL):
            raise MalformedMultiSend(f"call #{index} has operation {operation}, expected 0 or 1")
        to = to_checksum_address(payload[position + 1 : position + 21])
        value = int.from_bytes(payload[position + 21 : position + 53], "big")
        length = int.from_bytes(payload[position + 53 : position + 85], "big")
        start = position + _HEADER
        if length > len(payload) - start:
            raise MalformedMultiSend(f"call #{index} declares {length} data bytes, only {len(payload) - start} remain")
        calls.append(MultiSendCall(operation=operation, to=to, value=value, data=payload[start : start + length]))
        position = start + length
    return calls


def _unpack_abi_encoded(payload: bytes) -> list[MultiSendCall]:
    calls: list[MultiSendCall] = []
    position = 0
    while position < len(payload):
        index = len(calls)
        if len(payload) - position < _ABI_HEADER:
            left = len(payload) - position
            raise MalformedMultiSend(f"call #{index} is truncated ({left} bytes left, its words need {_ABI_HEADER})")
        operation, to_word, value, offset, length = (
            int.from_bytes(payload[position + i * _WORD : position + (i + 1) * _WORD], "big") for i in range(5)
        )
        if operation not in (CALL, DELEGATECALL):
            raise MalformedMultiSend(f"call #{index} has operation {operation}, expected 0 or 1")
        if to_word >> 160:
            raise MalformedMultiSend(f"call #{index} has bytes above the address in its address word")
        if offset != _ABI_DATA_OFFSET:
            raise MalformedMultiSend(f"call #{index} puts its data at offset {offset}, not {_ABI_DATA_OFFSET}")
        start = position + _ABI_HEADER
        padded = -(-length // _WORD) * _WORD
        if padded > len(payload) - start:
            raise MalformedMultiSend(f"call #{index} declares {length} data bytes, only {len(payload) - start} remain")
        if any(payload[start + length : start + padded]):
            raise MalformedMultiSend(f"call #{index} has non-zero bytes in the padding after its data")
        to = to_checksum_address(to_word.to_bytes(20, "big"))
        calls.append(MultiSendCall(operation=operation, to=to, value=value, data=payload[start : start + length]))
        position = start + padded
    return calls


def encode_multisend_calldata(calls: Sequence[MultiSendCall]) -> bytes:
    if not calls:
        raise MalformedMultiSend("no calls to batch")
    return MULTISEND_SELECTOR + encode(["bytes"], [pack_multisend(calls)])


def decode_multisend_calldata(calldata: bytes) -> list[MultiSendCall]:
    return read_multisend_calldata(calldata)[0]


def read_multisend_calldata(calldata: bytes) -> tuple[list[MultiSendCall], str]:
    """The calls of `multiSend(bytes)` calldata in either layout, and the layout."""
    calldata = hex_bytes(calldata, "multiSend calldata")
    if calldata[:4] != MULTISEND_SELECTOR:
        raise MalformedMultiSend(
            f"selector is 0x{calldata[:4].hex()}, not multiSend(bytes) 0x{MULTISEND_SELECTOR.hex()}"
        )
    try:
        (payload,) = decode(["bytes"], calldata[4:], strict=True)
    except DecodingError as error:
        raise MalformedMultiSend(f"argument is not ABI-encoded bytes ({error})") from None
    return read_multisend(payload)


def refuse_delegatecalls(calls: Sequence[MultiSendCall]) -> None:
    for index, call in enumerate(calls):
        if call.operation == DELEGATECALL:
            raise InnerDelegateCall(index)


def multisend_safe_tx(
    calls: Sequence[MultiSendCall],
    *,
    multisend: str,
    safe: str,
    chain_id: int,
    safe_version: str,
    nonce: int,
    call_only: bool = True,
    safe_tx_gas: int = 0,
) -> SafeTx:
    """The single SafeTx that delegatecalls `multisend` with `calls`.

    With `call_only` (the default, for MultiSendCallOnly) an inner delegatecall is refused
    here rather than reverting on chain.
    """
    if call_only:
        refuse_delegatecalls(calls)
    return SafeTx(
        safe=safe,
        chain_id=chain_id,
        safe_version=safe_version,
        to=multisend,
        value=0,
        data=encode_multisend_calldata(calls),
        operation=DELEGATECALL,
        safe_tx_gas=safe_tx_gas,
        nonce=nonce,
    )
