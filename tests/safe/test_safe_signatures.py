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
    NotEnoughSignatures,
    SignaturesOutOfOrder,
    SignerNotOwner,
)
from indexops.safe.safetx import SafeTx, safe_tx_hash, safe_tx_typed_data
from indexops.safe.signature_check import ChainFacts, check_signatures
from indexops.safe.signatures import (
    SignatureKind,
    approved_hash_signature,
    combine,
    contract_signature,
    eth_sign_safe_tx_hash,
    parse_signature,
    sign_safe_tx,
    sign_safe_tx_hash,
    split_signatures,
)
from indexops.values import InvalidValue

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


@pytest.mark.parametrize("bad,message,code", [
    (b"\x00" * 64, "expected 65 bytes", "GS020"),
    (b"\x01" * 64 + b"\x05", "v=5 is not a Safe 1.3.0 signature type", "GS026"),
    (b"\x01" * 64 + b"\x21", "v=33: an eth_sign signature has v 31 or 32", "GS026"),
    (bytes(64) + b"\x1b", "cannot recover", "GS026"),
])
def test_malformed_signatures(bad, message, code):
    with pytest.raises(InvalidSignature, match=message) as caught:
        parse_signature(bad, HASH)
    assert caught.value.code == code


def test_eth_sign_before_1_1_and_contract_signatures_before_1_0_are_not_signatures():
    with pytest.raises(InvalidSignature, match="v=31 is not a Safe 1.0.0 signature type \\(27/28, 1 or 0\\)"):
        parse_signature(eth_sign_safe_tx_hash(HASH, BOB).static[:64] + b"\x1f", HASH, "1.0.0")
    with pytest.raises(InvalidSignature, match="not supported"):
        parse_signature(contract_signature(ALICE.address).hex(), HASH, "0.1.0")


def test_what_the_safe_ignores_is_ignored():
    junk_above = bytes(range(1, 13)) + bytes.fromhex(CAROL.address[2:]) + bytes(32) + b"\x01"
    assert parse_signature(junk_above, HASH).owner == CAROL.address  # only the low 20 bytes of r name the owner
    signature = sign_safe_tx(TX, ALICE)
    assert parse_signature(signature.static + b"\xee" * 10, HASH) == signature  # trailing bytes
    assert split_signatures(signature.static + b"\x00" * 10, HASH) == [signature]
    assert check_signatures(signature.static + b"\x00" * 10, HASH, OWNERS, 1) == [signature]
    with pytest.raises(InvalidValue, match="threshold"):
        combine([sign_safe_tx(TX, ALICE)], OWNERS, 4)


WALLET = "0x00000000000000000000000000000000000000c0"  # a contract owner that sorts first


def contract_static(offset: int, owner: str = WALLET) -> bytes:
    return bytes(12) + bytes.fromhex(owner[2:]) + offset.to_bytes(32, "big") + b"\x00"


def test_contract_signature_data_lies_where_the_safe_looks_for_it():
    alice = sign_safe_tx(TX, ALICE)
    owners = [WALLET, *OWNERS]
    # the data right after the static parts, or shared by two contract signatures, or overlapping a third static part
    right_after = contract_static(130) + alice.static + (2).to_bytes(32, "big") + b"\xca\xfe"
    (wallet, _) = check_signatures(right_after, HASH, owners, 2)
    assert wallet.kind is SignatureKind.CONTRACT and wallet.contract_data == b"\xca\xfe" and not wallet.verifiable_offline
    overlapping = contract_static(130) + alice.static + (33).to_bytes(32, "big") + b"\x01" * 33  # where a third would be
    (wallet, _) = check_signatures(overlapping, HASH, owners, 2)
    assert wallet.contract_data == b"\x01" * 33
    other_wallet = "0x00000000000000000000000000000000000000c1"
    shared = contract_static(130) + contract_static(130, other_wallet) + (2).to_bytes(32, "big") + b"\xca\xfe"
    assert [s.contract_data for s in check_signatures(shared, HASH, [WALLET, other_wallet], 2)] == [b"\xca\xfe"] * 2
    for offset, code in ((0, "GS021"), (129, "GS021"), (len(right_after) - 31, "GS022")):
        blob = contract_static(offset) + alice.static + (2).to_bytes(32, "big") + b"\xca\xfe"
        with pytest.raises(InvalidSignature) as caught:
            check_signatures(blob, HASH, owners, 2)
        assert caught.value.code == code and caught.value.index == 0
    with pytest.raises(InvalidSignature, match="runs past") as caught:
        check_signatures(contract_static(130) + alice.static + (3).to_bytes(32, "big") + b"\xca\xfe", HASH, owners, 2)
    assert caught.value.code == "GS023"


def test_chain_facts_decide_approved_hashes_and_contract_signatures():
    owners = [WALLET, *OWNERS]
    blob = combine([contract_signature(WALLET, b"\x01"), approved_hash_signature(CAROL.address)], owners, 2)
    data = b"\x19\x01" + bytes(64)
    assert len(check_signatures(blob, HASH, owners, 2)) == 2  # offline: nothing says no
    yes = ChainFacts(data=data, approved=lambda owner: True, contract_accepts=lambda owner, signed, sig: sig == b"\x01")
    assert len(check_signatures(blob, HASH, owners, 2, chain=yes)) == 2
    with pytest.raises(InvalidSignature, match="does not accept") as caught:
        check_signatures(blob, HASH, owners, 2, chain=ChainFacts(contract_accepts=lambda *_: False))
    assert caught.value.code == "GS024"
    not_approved = ChainFacts(approved=lambda owner: False)
    with pytest.raises(InvalidSignature, match="has not approved") as caught:
        check_signatures(blob, HASH, owners, 2, chain=not_approved)
    assert caught.value.code == "GS025"
    sent_by_carol = ChainFacts(sender=CAROL.address, approved=lambda owner: False)
    assert len(check_signatures(blob, HASH, owners, 2, chain=sent_by_carol)) == 2
    with pytest.raises(InvalidSignature, match="does not hash") as caught:
        check_signatures(blob, HASH, owners, 2, version="1.4.1", chain=ChainFacts(data=data))
    assert caught.value.code == "GS027"


def test_no_private_key_in_any_repr_or_message():
    signature = sign_safe_tx(TX, ALICE)
    texts = [repr(signature), repr(ALICE), signature.hex()]
    try:
        combine([signature, sign_safe_tx(TX, MALLORY)], OWNERS, 2)
    except SignerNotOwner as error:
        texts.append(str(error))
    for key in KEYS:
        assert all(key[2:] not in text.lower() for text in texts)
