"""MultiSend packing, calldata and the delegatecall SafeTx around it."""

from __future__ import annotations

import pytest
from eth_abi import encode
from eth_utils import keccak, to_checksum_address
from hypothesis import given, settings
from hypothesis import strategies as st

from indexops.safe.errors import InnerDelegateCall, MalformedMultiSend
from indexops.safe.multisend import (
    MULTISEND_CALL_ONLY_1_3_0,
    MULTISEND_SELECTOR,
    MultiSendCall,
    decode_multisend_calldata,
    encode_multisend_calldata,
    multisend_safe_tx,
    pack_multisend,
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
