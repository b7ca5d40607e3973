"""Owner signatures: each kind recovers its owner; combining sorts; bad sets are refused with their own message."""

from __future__ import annotations

import itertools

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct, encode_typed_data
from eth_utils import keccak

from indexops.safe.errors import (
    DuplicateSigner,
    InvalidSignature,
    InvalidValue,
    NotEnoughSignatures,
    SignaturesOutOfOrder,
    SignerNotOwner,
)
from indexops.safe.safetx import SafeTx, safe_tx_hash, safe_tx_typed_data
from indexops.safe.signatures import (
    SignatureKind,
    approved_hash_signature,
    check_signatures,
    combine,
    contract_signature,
    eth_sign_safe_tx_hash,
    parse_signature,
    sign_safe_tx,
    sign_safe_tx_hash,
    split_signatures,
)

KEYS = ["0x" + f"{i:02x}" * 32 for i in (0x11, 0x22, 0x33, 0x44)]
ALICE, BOB, CAROL, MALLORY = (Account.from_key(key) for key in KEYS)
OWNERS = [ALICE.address, BOB.address, CAROL.address]
TX = SafeTx(safe="0x9999999999999999999999999999999999999999", chain_id=31337, safe_version="1.3.0",
            to="0x2222222222222222222222222222222222222222", value=1, data=b"\x01", nonce=0)
HASH = safe_tx_hash(TX)


def by_address(*accounts):
    return sorted(accounts, key=lambda account: int(account.address, 16))


def test_typed_data_and_raw_hash_signatures_are_the_same_eip712_signature():
    typed = sign_safe_tx(TX, ALICE)
    raw = sign_safe_tx_hash(HASH, ALICE)
    assert typed == raw  # RFC 6979 signatures are deterministic
    assert typed.kind is SignatureKind.EIP712 and typed.owner == ALICE.address
    assert typed.static[64] in (27, 28)
    assert parse_signature(typed.static, HASH).owner == ALICE.address


def pair_id(pair):
    return "-".join(str(OWNERS.index(account.address)) for account in pair)


@pytest.mark.parametrize("pair", list(itertools.permutations([ALICE, BOB, CAROL], 2)), ids=pair_id)
def test_two_of_three_in_any_order_gives_the_sorted_concatenation(pair):
    signatures = [sign_safe_tx(TX, account) for account in pair]
    expected = b"".join(sign_safe_tx_hash(HASH, account).static for account in by_address(*pair))
    assert combine(signatures, OWNERS, 2) == expected
    assert [s.owner for s in check_signatures(expected, HASH, OWNERS, 2)] == [a.address for a in by_address(*pair)]


def test_more_than_threshold_is_fine():
    signatures = [sign_safe_tx(TX, account) for account in (CAROL, ALICE, BOB)]
    assert len(combine(signatures, OWNERS, 2)) == 3 * 65


def test_non_owner_refused():
    with pytest.raises(SignerNotOwner, match=f"signer {MALLORY.address} is not an owner"):
        combine([sign_safe_tx(TX, ALICE), sign_safe_tx(TX, MALLORY)], OWNERS, 2)


def test_duplicate_refused():
    with pytest.raises(DuplicateSigner, match=f"owner {ALICE.address} signed more than once"):
        combine([sign_safe_tx(TX, ALICE), sign_safe_tx_hash(HASH, ALICE)], OWNERS, 2)


def test_too_few_refused():
    with pytest.raises(NotEnoughSignatures, match="need 2 owner signature\\(s\\) to meet the threshold, got 1"):
        combine([sign_safe_tx(TX, BOB)], OWNERS, 2)


def test_given_concatenation_out_of_order_refused():
    low, high = by_address(ALICE, BOB)
    blob = sign_safe_tx(TX, high).static + sign_safe_tx(TX, low).static
    with pytest.raises(SignaturesOutOfOrder, match=f"{low.address} comes after {high.address}"):
        check_signatures(blob, HASH, OWNERS, 2)


def test_given_concatenation_duplicated_refused():
    blob = sign_safe_tx(TX, ALICE).static + eth_sign_safe_tx_hash(HASH, ALICE).static
    with pytest.raises(DuplicateSigner):
        check_signatures(blob, HASH, OWNERS, 2)


def test_given_concatenation_too_short_or_foreign():
    with pytest.raises(NotEnoughSignatures):
        check_signatures(sign_safe_tx(TX, ALICE).static, HASH, OWNERS, 2)
    other_hash = keccak(b"another transaction")
    # a signature over another hash recovers to some unrelated address
    with pytest.raises(SignerNotOwner):
        check_signatures(sign_safe_tx_hash(other_hash, ALICE).static, HASH, OWNERS, 1)


def test_eth_sign_variant_recovers_owner():
    signature = eth_sign_safe_tx_hash(HASH, BOB)
    assert signature.kind is SignatureKind.ETH_SIGN
    assert signature.static[64] in (31, 32)
    assert parse_signature(signature.static, HASH).owner == BOB.address
    plain = BOB.sign_message(encode_defunct(primitive=HASH)).signature
    assert signature.static[:64] == plain[:64] and signature.static[64] == plain[64] + 4


def test_approved_hash_variant():
    signature = approved_hash_signature(CAROL.address.lower())
    assert signature.static == bytes(12) + bytes.fromhex(CAROL.address[2:]) + bytes(32) + b"\x01"
    parsed = parse_signature(signature.static, HASH)
    assert parsed.owner == CAROL.address and parsed.kind is SignatureKind.APPROVED_HASH
    assert not parsed.verifiable_offline


def test_contract_signature_is_marked_and_packed_with_its_data():
    wallet = "0x00000000000000000000000000000000000000c0"  # sorts first
    combined = combine([sign_safe_tx(TX, ALICE), contract_signature(wallet, b"\xca\xfe")], [wallet, *OWNERS], 2)
    assert combined[64] == 0
    assert int.from_bytes(combined[32:64], "big") == 130  # data right after the two static parts
    assert combined[130:] == (2).to_bytes(32, "big") + b"\xca\xfe"
    parsed = split_signatures(combined, HASH)
    assert parsed[0].kind is SignatureKind.CONTRACT and parsed[0].contract_data == b"\xca\xfe"
    assert not parsed[0].verifiable_offline
    assert parsed[1].owner == ALICE.address and parsed[1].verifiable_offline


def test_mixed_kinds_combine():
    signatures = [approved_hash_signature(CAROL.address), eth_sign_safe_tx_hash(HASH, BOB), sign_safe_tx(TX, ALICE)]
    blob = combine(signatures, OWNERS, 3)
    assert {s.kind for s in check_signatures(blob, HASH, OWNERS, 3)} == {
        SignatureKind.APPROVED_HASH, SignatureKind.ETH_SIGN, SignatureKind.EIP712}


def test_callable_signer_gets_typed_data_and_v_is_fixed():
    seen = {}

    def hardware_wallet(typed):
        seen["typed"] = typed
        signature = bytearray(ALICE.sign_message(encode_typed_data(full_message=typed)).signature)
        signature[64] -= 27  # a signer that returns the recovery id
        return bytes(signature)

    signature = sign_safe_tx(TX, hardware_wallet)
    assert seen["typed"] == safe_tx_typed_data(TX)
    assert signature.owner == ALICE.address and signature.static[64] in (27, 28)


@pytest.mark.parametrize("bad,message", [
    (b"\x00" * 64, "expected 65 bytes"),
    (b"\x01" * 64 + b"\x05", "v=5 is not a Safe signature type"),
    (b"\xff" * 32 + bytes(32) + b"\x01", "r does not hold an address"),
    (bytes(64) + b"\x1b", "cannot recover"),
])
def test_malformed_signatures(bad, message):
    with pytest.raises(InvalidSignature, match=message):
        parse_signature(bad, HASH)


def test_truncated_concatenation_and_bad_threshold():
    with pytest.raises(InvalidSignature, match="truncated"):
        split_signatures(sign_safe_tx(TX, ALICE).static + b"\x00" * 10, HASH)
    with pytest.raises(InvalidValue, match="threshold"):
        combine([sign_safe_tx(TX, ALICE)], OWNERS, 4)


def test_no_private_key_in_any_repr_or_message():
    signature = sign_safe_tx(TX, ALICE)
    texts = [repr(signature), repr(ALICE), signature.hex()]
    try:
        combine([signature, sign_safe_tx(TX, MALLORY)], OWNERS, 2)
    except SignerNotOwner as error:
        texts.append(str(error))
    for key in KEYS:
        assert all(key[2:] not in text.lower() for text in texts)
