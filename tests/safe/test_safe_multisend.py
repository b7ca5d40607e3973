"""MultiSend packing (and the original ABI-encoded layout, read back), calldata and the delegatecall SafeTx around it."""

from __future__ import annotations

import pytest
from eth_abi import encode
from eth_utils import keccak, to_checksum_address
from hypothesis import given, settings
from hypothesis import strategies as st

from indexops.safe.errors import InnerDelegateCall, MalformedMultiSend
from indexops.safe.multisend import (
    ABI_ENCODED,
    MULTISEND_CALL_ONLY_1_3_0,
    MULTISEND_SELECTOR,
    PACKED,
    MultiSendCall,
    decode_multisend_calldata,
    encode_multisend_calldata,
    multisend_safe_tx,
    pack_multisend,
    read_multisend,
    read_multisend_calldata,
    unpack_multisend,
)

A = "0x1111111111111111111111111111111111111111"
B = "0x2222222222222222222222222222222222222222"
SAFE = "0x9999999999999999999999999999999999999999"


def test_selector_is_multisend_bytes():
    assert MULTISEND_SELECTOR == keccak(text="multiSend(bytes)")[:4]


def test_packed_layout_by_hand():
    calls = [MultiSendCall(to=A, value=5, data=b"\x01\x02"), MultiSendCall(to=B, operation=1)]
    expected = (
        b"\x00" + bytes.fromhex("11" * 20) + (5).to_bytes(32, "big") + (2).to_bytes(32, "big") + b"\x01\x02"
        + b"\x01" + bytes.fromhex("22" * 20) + bytes(32) + bytes(32)
    )
    assert pack_multisend(calls) == expected
    assert encode_multisend_calldata(calls) == bytes.fromhex("8d80ff0a") + encode(["bytes"], [expected])


calls_strategy = st.lists(
    st.builds(
        MultiSendCall,
        to=st.binary(min_size=20, max_size=20).map(to_checksum_address),
        value=st.integers(min_value=0, max_value=2**256 - 1),
        data=st.binary(max_size=150),
        operation=st.sampled_from([0, 1]),
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=80, deadline=None)
@given(calls_strategy)
def test_round_trip(calls):
    assert unpack_multisend(pack_multisend(calls)) == calls
    assert decode_multisend_calldata(encode_multisend_calldata(calls)) == calls


def test_safe_tx_delegatecalls_multisend_call_only():
    calls = [MultiSendCall(to=A, value=1, data=b"\xaa"), MultiSendCall(to=B, data=b"\xbb")]
    tx = multisend_safe_tx(calls, multisend=MULTISEND_CALL_ONLY_1_3_0, safe=SAFE, chain_id=1, safe_version="1.3.0", nonce=3)
    assert tx.operation == 1
    assert tx.to == MULTISEND_CALL_ONLY_1_3_0
    assert tx.value == 0
    assert decode_multisend_calldata(tx.data) == calls


def test_call_only_refuses_inner_delegatecall():
    calls = [MultiSendCall(to=A), MultiSendCall(to=B, operation=1)]
    with pytest.raises(InnerDelegateCall, match="call #1 is a delegatecall"):
        multisend_safe_tx(calls, multisend=MULTISEND_CALL_ONLY_1_3_0, safe=SAFE, chain_id=1, safe_version="1.3.0", nonce=0)
    tx = multisend_safe_tx(calls, multisend=MULTISEND_CALL_ONLY_1_3_0, safe=SAFE, chain_id=1, safe_version="1.3.0",
                           nonce=0, call_only=False)
    assert decode_multisend_calldata(tx.data)[1].operation == 1


@pytest.mark.parametrize(
    "payload,message",
    [
        (b"\x00" + bytes(20), "truncated"),
        (b"\x02" + bytes(84), "operation 2"),
        (b"\x00" + bytes(20) + bytes(32) + (10).to_bytes(32, "big") + b"\x01", "declares 10 data bytes"),
    ],
)
def test_malformed_payloads(payload, message):
    with pytest.raises(MalformedMultiSend, match=message):
        unpack_multisend(payload)


def test_malformed_calldata():
    with pytest.raises(MalformedMultiSend, match="selector"):
        decode_multisend_calldata(b"\x12\x34\x56\x78" + encode(["bytes"], [b""]))
    with pytest.raises(MalformedMultiSend, match="ABI-encoded"):
        decode_multisend_calldata(MULTISEND_SELECTOR + b"\x00" * 7)
    with pytest.raises(MalformedMultiSend, match="no calls"):
        encode_multisend_calldata([])
    with pytest.raises(MalformedMultiSend):
        MultiSendCall(to=A, operation=2)


def abi_encoded(calls) -> bytes:
    """The layout MultiSend 1.0.0 reads: each call is abi.encode(uint8 operation, address to, uint256 value, bytes data)."""
    return b"".join(encode(["uint8", "address", "uint256", "bytes"], [c.operation, c.to, c.value, c.data]) for c in calls)


def test_the_original_abi_encoded_layout_by_hand():
    calls = [MultiSendCall(to=A, value=5, data=b"\x01\x02"), MultiSendCall(to=B, operation=1)]
    expected = (
        bytes(32) + bytes(12) + bytes.fromhex("11" * 20) + (5).to_bytes(32, "big") + (0x80).to_bytes(32, "big")
        + (2).to_bytes(32, "big") + b"\x01\x02" + bytes(30)
        + (1).to_bytes(32, "big") + bytes(12) + bytes.fromhex("22" * 20) + bytes(32) + (0x80).to_bytes(32, "big")
        + bytes(32)
    )
    assert abi_encoded(calls) == expected
    assert read_multisend(expected) == (calls, ABI_ENCODED)
    calldata = MULTISEND_SELECTOR + encode(["bytes"], [expected])
    assert read_multisend_calldata(calldata) == (calls, ABI_ENCODED)
    assert read_multisend_calldata(encode_multisend_calldata(calls)) == (calls, PACKED)


@settings(max_examples=80, deadline=None)
@given(calls_strategy)
def test_both_layouts_read_back_the_same_calls(calls):
    assert read_multisend(abi_encoded(calls)) == (calls, ABI_ENCODED)
    assert read_multisend(pack_multisend(calls)) == (calls, PACKED)


def test_a_packed_call_to_the_zero_address_is_still_read_as_packed():
    calls = [MultiSendCall(to="0x" + "00" * 20, data=bytes(40)), MultiSendCall(to=A, value=1)]
    assert read_multisend(pack_multisend(calls)) == (calls, PACKED)


def one_call(operation=0, to_word=int(A, 16), offset=0x80, length=2, data=b"\x01\x02" + bytes(30)) -> bytes:
    words = (operation, to_word, 7, offset, length)
    return b"".join(word.to_bytes(32, "big") for word in words) + data


@pytest.mark.parametrize(
    "payload,message",
    [
        (one_call(operation=2), "operation 2"),
        (one_call(to_word=(1 << 160) | int(A, 16)), "bytes above the address"),
        (one_call(data=b"\x01\x02" + bytes(29) + b"\x09"), "non-zero bytes in the padding"),
        (one_call(length=40), "declares 40 data bytes, only 32 remain"),
        (one_call() + bytes(31) + b"\x01" + bytes(64) + (0x80).to_bytes(32, "big"), "call #1 is truncated"),
    ],
)
def test_malformed_abi_encoded_payloads(payload, message):
    with pytest.raises(MalformedMultiSend, match=message):
        read_multisend(payload)


def test_an_empty_payload_is_refused():
    with pytest.raises(MalformedMultiSend, match="the payload holds no calls"):
        decode_multisend_calldata(MULTISEND_SELECTOR + encode(["bytes"], [b""]))
