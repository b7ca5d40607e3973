"""safe-eth-py, Safe's own Python library, as an independent oracle: for random SafeTxs and random signature sets,
its safeTxHash and preimage, its packed signatures and its reading of them agree with indexops' own."""

from __future__ import annotations

import pytest
from eth_account import Account
from eth_utils import keccak, to_checksum_address
from hypothesis import given, settings
from hypothesis import strategies as st

from indexops.safe.independent_hash import encoded_transaction_data, recompute_safe_tx_hash
from indexops.safe.safetx import SafeTx, safe_tx_hash
from indexops.safe.signatures import (
    SignatureKind,
    approved_hash_signature,
    contract_signature,
    encode_signatures,
    eth_sign_safe_tx_hash,
    sign_safe_tx_hash,
    split_signatures,
)

safe_eth_tx = pytest.importorskip("safe_eth.safe.safe_tx", reason="safe-eth-py is the oracle (test dependency)")
safe_eth_signature = pytest.importorskip("safe_eth.safe.safe_signature")

KEYS = [Account.from_key(keccak(text=f"owner {n}")) for n in range(6)]
VERSIONS = ["0.1.0", "1.0.0", "1.1.1", "1.2.0", "1.3.0", "1.4.1"]
KINDS = {  # indexops kind -> safe-eth-py's signatureType name
    SignatureKind.EIP712: "EOA",
    SignatureKind.ETH_SIGN: "ETH_SIGN",
    SignatureKind.APPROVED_HASH: "APPROVED_HASH",
    SignatureKind.CONTRACT: "CONTRACT_SIGNATURE",
}

addresses = st.binary(min_size=20, max_size=20).map(to_checksum_address)
uint256 = st.integers(0, 2**256 - 1)


@st.composite
def safe_txs(draw) -> SafeTx:
    return SafeTx(
        safe=draw(addresses),
        chain_id=draw(st.integers(1, 2**64)),
        safe_version=draw(st.sampled_from(VERSIONS)),
        to=draw(addresses),
        value=draw(uint256),
        data=draw(st.binary(max_size=300)),
        operation=draw(st.integers(0, 1)),
        safe_tx_gas=draw(uint256),
        base_gas=draw(uint256),
        gas_price=draw(uint256),
        gas_token=draw(addresses | st.just("0x" + "00" * 20)),
        refund_receiver=draw(addresses | st.just("0x" + "00" * 20)),
        nonce=draw(uint256),
    )


def oracle_tx(tx: SafeTx):
    return safe_eth_tx.SafeTx(
        None, tx.safe, tx.to, tx.value, tx.data, tx.operation, tx.safe_tx_gas, tx.base_gas, tx.gas_price,
        tx.gas_token, tx.refund_receiver, safe_nonce=tx.nonce, safe_version=tx.safe_version, chain_id=tx.chain_id,
    )


@settings(max_examples=300, deadline=None)
@given(tx=safe_txs())
def test_safe_tx_hash_and_preimage_agree_with_safe_eth_py(tx):
    theirs = oracle_tx(tx)
    assert safe_tx_hash(tx) == recompute_safe_tx_hash(tx) == bytes(theirs.safe_tx_hash)
    assert encoded_transaction_data(tx) == bytes(theirs.safe_tx_hash_preimage)


@st.composite
def signature_sets(draw):
    """(indexops signatures, safe-eth-py signatures) for one hash: ECDSA by distinct keys, approved hashes and
    contract signatures by distinct other owners, in any mix."""
    digest = draw(st.binary(min_size=32, max_size=32))
    preimage = draw(st.binary(max_size=80))
    keys = draw(st.lists(st.sampled_from(range(len(KEYS))), unique=True, max_size=4))
    others = draw(st.lists(addresses, unique=True, max_size=3).filter(
        lambda found: not {a for a in found} & {k.address for k in KEYS}))
    ours, theirs = [], []
    for n in keys:
        if draw(st.booleans()):
            signature = sign_safe_tx_hash(digest, KEYS[n])
            theirs.append(safe_eth_signature.SafeSignatureEOA(signature.static, digest))
        else:
            signature = eth_sign_safe_tx_hash(digest, KEYS[n])
            theirs.append(safe_eth_signature.SafeSignatureEthSign(signature.static, digest))
        ours.append(signature)
    for owner in others:
        if draw(st.booleans()):
            ours.append(approved_hash_signature(owner))
            theirs.append(safe_eth_signature.SafeSignatureApprovedHash.build_for_owner(owner, digest))
        else:
            data = draw(st.binary(max_size=140))
            ours.append(contract_signature(owner, data))
            theirs.append(safe_eth_signature.SafeSignatureContract.from_values(owner, digest, preimage, data))
    return digest, ours, theirs


@settings(max_examples=60, deadline=None)  # each example recovers up to 8 ECDSA signatures in pure Python
@given(case=signature_sets())
def test_packed_signatures_and_their_reading_agree_with_safe_eth_py(case):
    digest, ours, theirs = case
    packed = encode_signatures(sorted(ours, key=lambda signature: int(signature.owner, 16)))
    assert packed == bytes(safe_eth_signature.SafeSignature.export_signatures(theirs))
    read_by_them = safe_eth_signature.SafeSignature.parse_signature(packed, digest)
    read_by_us = split_signatures(packed, digest)
    assert [(s.owner, s.signature_type.name) for s in read_by_them] == [(s.owner, KINDS[s.kind]) for s in read_by_us]
    contract_data = {s.owner: bytes(s.contract_signature) for s in read_by_them if hasattr(s, "contract_signature")}
    assert contract_data == {s.owner: s.contract_data for s in read_by_us if s.kind is SignatureKind.CONTRACT}
    for one_ours, one_theirs in zip(sorted(ours, key=lambda s: s.owner.lower()),
                                    sorted(theirs, key=lambda s: s.owner.lower()), strict=True):
        assert bytes.fromhex(one_ours.hex()[2:]) == bytes(one_theirs.export_signature())  # alone, as the service takes it
