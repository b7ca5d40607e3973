"""The service's multisig-transaction JSON read back (v1 and v2 shapes), the safeTxHash recomputed, confirmations
read as the Safe reads them; the next free nonce; the rejection; an owner Safe's message hash."""

from __future__ import annotations

import pytest
from eth_account import Account
from hypothesis import given, settings
from hypothesis import strategies as st

from indexops.safe.errors import SafeTxHashMismatch, ServiceAnswerMalformed
from indexops.safe.nonces import NonceAlreadyUsed, NonceLeavesGap, choose_nonce, next_free_nonce
from indexops.safe.safe_message import safe_message_hash, safe_message_typed_data, typed_data_hash
from indexops.safe.safetx import SafeTx, safe_tx_hash
from indexops.safe.service_tx import (
    is_rejection,
    queue_from_service,
    queued_from_service,
    rejection_safe_tx,
    require_matching_hash,
)
from indexops.safe.signatures import approved_hash_signature, eth_sign_safe_tx_hash, sign_safe_tx
from indexops.values import ZERO_ADDRESS

ALICE, BOB, CAROL = (Account.from_key("0x" + f"{i:02x}" * 32) for i in (0x11, 0x22, 0x33))
SAFE = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
TO = "0x2222222222222222222222222222222222222222"
TX = SafeTx(safe=SAFE, chain_id=1, safe_version="1.3.0", to=TO, value=10**30, data=b"\x12\x34", operation=0,
            safe_tx_gas=21000, nonce=42)
HASH = safe_tx_hash(TX)
URL = "https://service.example"


def service_json(tx: SafeTx = TX, version: str = "v2", confirmations=(), **changes) -> dict:
    """A multisig transaction as the service's SafeMultisigTransactionResponseSerializer(V2) writes it."""
    number = str if version == "v2" else int
    answer = {
        "safe": tx.safe, "to": tx.to, "value": str(tx.value), "data": "0x" + tx.data.hex() if tx.data else None,
        "operation": tx.operation, "gasToken": tx.gas_token, "safeTxGas": number(tx.safe_tx_gas),
        "baseGas": number(tx.base_gas), "gasPrice": str(tx.gas_price), "refundReceiver": tx.refund_receiver,
        "nonce": number(tx.nonce), "executionDate": None, "submissionDate": "2026-01-01T00:00:00Z",
        "modified": "2026-01-01T00:00:00Z", "blockNumber": None, "transactionHash": None,
        "safeTxHash": "0x" + safe_tx_hash(tx).hex(), "proposer": ALICE.address, "proposedByDelegate": None,
        "executor": None, "isExecuted": False, "isSuccessful": None, "ethGasPrice": None, "maxFeePerGas": None,
        "maxPriorityFeePerGas": None, "gasUsed": None, "fee": None, "payment": None, "origin": "{}",
        "dataDecoded": None, "confirmationsRequired": 2, "trusted": True, "signatures": None,
        "confirmations": [{"owner": owner, "submissionDate": "2026-01-01T00:00:00Z", "transactionHash": None,
                           "signature": signature, "signatureType": kind} for owner, signature, kind in confirmations],
    }
    return {**answer, **changes}


def read(answer, version="1.3.0"):
    return queued_from_service(answer, chain_id=1, safe_version=version, url=URL)


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_a_queued_transaction_is_rebuilt_and_its_hash_recomputed(version):
    alice, bob = sign_safe_tx(TX, ALICE), eth_sign_safe_tx_hash(HASH, BOB)
    queued = read(service_json(version=version, confirmations=[(ALICE.address, alice.hex(), "EOA"),
                                                               (BOB.address, bob.hex(), "ETH_SIGN")]))
    assert queued.safe_tx == TX and queued.hash_matches and require_matching_hash(queued) is queued
    assert queued.signers == (ALICE.address, BOB.address)
    assert [s.kind.value for s in queued.signatures] == ["eip712", "eth_sign"]
    assert queued.confirmations_required == 2 and not queued.executed and queued.proposer == ALICE.address
    assert read(service_json(TX.replace(data=b""))).safe_tx.data == b""


def test_fields_that_do_not_hash_to_the_services_hash_are_kept_flagged_and_refused_for_signing():
    tampered = service_json(value="1")  # the service's hash is that of value 10**30
    queued = read(tampered)
    assert not queued.hash_matches and queued.confirmations == ()
    assert queued.computed_hash == safe_tx_hash(TX.replace(value=1))
    with pytest.raises(SafeTxHashMismatch, match="the service's fields hash to"):
        require_matching_hash(queued)
    # another chain or Safe version gives another hash: the service's hash only matches the Safe's own
    assert not read(service_json(), version="1.1.1").hash_matches
    assert not queued_from_service(service_json(), chain_id=5, safe_version="1.3.0", url=URL).hash_matches


def test_confirmations_that_are_not_by_their_owner_are_set_aside():
    alice = sign_safe_tx(TX, ALICE)
    queued = read(service_json(confirmations=[
        (BOB.address, alice.hex(), "EOA"),  # Alice's signature listed as Bob's
        (CAROL.address, "0x1234", "EOA"),  # too short
        (ALICE.address, alice.hex(), "EOA"),
        (ALICE.address, alice.hex(), "EOA"),
        (CAROL.address, approved_hash_signature(CAROL.address).hex(), "APPROVED_HASH"),
    ]))
    assert queued.signers == (ALICE.address, CAROL.address)
    assert [reason.split(":")[0] for reason in queued.set_aside] == [
        f"confirmation by {BOB.address}", f"confirmation by {CAROL.address}", f"confirmation by {ALICE.address}"]
    assert "its signature is by " + ALICE.address in queued.set_aside[0]


@pytest.mark.parametrize("change", [{"safe": "0x12"}, {"nonce": -1}, {"nonce": "1.5"}, {"operation": 2},
                                    {"safeTxHash": "0x12"}, {"confirmations": "x"}, {"data": "1234"}])
def test_malformed_answers_are_one_line(change):
    with pytest.raises(ServiceAnswerMalformed, match="not a multisig transaction") as caught:
        read({**service_json(), **change})
    assert "\n" not in str(caught.value)
    with pytest.raises(ServiceAnswerMalformed):
        read([])


def test_a_queue_is_in_nonce_order_and_only_the_safes_own():
    later = TX.replace(nonce=43)
    queue = queue_from_service([service_json(later), service_json()], chain_id=1, safe_version="1.3.0", url=URL,
                               safe=SAFE)
    assert [q.safe_tx.nonce for q in queue] == [42, 43]
    other = TX.replace(safe=TO)
    with pytest.raises(ServiceAnswerMalformed, match="lists a transaction of"):
        queue_from_service([service_json(other)], chain_id=1, safe_version="1.3.0", url=URL, safe=SAFE)


def test_the_rejection_is_a_zero_value_call_to_the_safe_itself():
    rejection = rejection_safe_tx(SAFE, 1, "1.3.0", 7)
    assert (rejection.to, rejection.value, rejection.data, rejection.operation, rejection.nonce) == (SAFE, 0, b"", 0, 7)
    assert is_rejection(rejection) and not is_rejection(TX) and not is_rejection(rejection.replace(value=1))
    assert not is_rejection(rejection.replace(refund_receiver=TO)) and rejection.gas_token == ZERO_ADDRESS


queued_maps = st.dictionaries(st.integers(0, 30), st.lists(st.just("0xab"), min_size=1, max_size=3), max_size=6)


@settings(max_examples=300, deadline=None)
@given(chain_nonce=st.integers(0, 20), queued=queued_maps, wanted=st.none() | st.integers(0, 40))
def test_the_nonce_taken_is_the_next_free_or_a_queued_one(chain_nonce, queued, wanted):
    live = {n for n in queued if n >= chain_nonce}
    next_free = max(live) + 1 if live else chain_nonce
    assert next_free_nonce(chain_nonce, queued) == next_free
    if wanted is None:
        choice = choose_nonce(chain_nonce, queued)
        assert choice.nonce == next_free and choice.replaces == ()
        assert choice.source == ("queue" if live else "chain")
    elif wanted < chain_nonce:
        with pytest.raises(NonceAlreadyUsed):
            choose_nonce(chain_nonce, queued, wanted)
    elif wanted > next_free:
        with pytest.raises(NonceLeavesGap, match=f"the next free nonce is {next_free}"):
            choose_nonce(chain_nonce, queued, wanted)
        assert choose_nonce(chain_nonce, None, wanted).nonce == wanted  # no service asked: taken as given
    else:
        choice = choose_nonce(chain_nonce, queued, wanted)
        assert choice.nonce == wanted and choice.replaces == tuple(queued.get(wanted, ()))


def test_an_owner_safes_message_hash_is_its_typed_data_hash():
    message = b"\x19\x01" + bytes(range(64))
    typed = safe_message_typed_data(SAFE, 31337, "1.3.0", message)
    assert typed_data_hash(typed) == safe_message_hash(SAFE, 31337, "1.3.0", message)
    assert safe_message_hash(SAFE, 1, "1.3.0", message) != safe_message_hash(SAFE, 31337, "1.3.0", message)
    with pytest.raises(Exception, match="1.3.0 or later"):
        safe_message_hash(SAFE, 1, "1.1.1", message)
