"""For random SafeTxs and random signature sets on the sandbox's 2-of-3 Safe 1.3.0, indexops, safe-eth-py and the
contract agree: getTransactionHash and encodeTransactionData, the packed signatures, and whether checkSignatures
accepts them (approved hashes approved on chain first, by their owners)."""

from __future__ import annotations

import pytest
from eth_account import Account
from eth_utils import to_checksum_address
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexops.errors import UsageError
from indexops.safe.independent_hash import encoded_transaction_data
from indexops.safe.safetx import SafeTx, safe_tx_hash
from indexops.safe.signature_check import check_signatures
from indexops.safe.signatures import (
    approved_hash_signature,
    encode_signatures,
    eth_sign_safe_tx_hash,
    sign_safe_tx,
)
from indexops.signing import anvil_dev_key_address
from indexops.workflows.safe.chain import signature_facts

pytestmark = pytest.mark.chain
safe_eth_tx = pytest.importorskip("safe_eth.safe.safe_tx", reason="safe-eth-py is the oracle (test dependency)")
safe_eth_signature = pytest.importorskip("safe_eth.safe.safe_signature")

CHAIN_SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
OWNER_ACCOUNTS = (4, 5, 6, 8)  # the Safe's owners, and 8, who is not one
addresses = st.binary(min_size=20, max_size=20).map(to_checksum_address)
uint = st.integers(0, 2**256 - 1)


def key(n: int) -> Account:
    return Account.from_key(anvil_dev_key_address(n)[0])


@st.composite
def safe_txs(draw, safe: str) -> SafeTx:
    return SafeTx(safe=safe, chain_id=31337, safe_version="1.3.0", to=draw(addresses), value=draw(uint),
                  data=draw(st.binary(max_size=200)), operation=draw(st.integers(0, 1)), safe_tx_gas=draw(uint),
                  base_gas=draw(uint), gas_price=draw(uint), gas_token=draw(addresses), refund_receiver=draw(addresses),
                  nonce=draw(uint))


@pytest.fixture
def mvi_safe(w3, real, book):
    return real("GnosisSafe", book["safe"]["safe"])


def contract_args(tx: SafeTx) -> list:
    return [tx.to, tx.value, tx.data, tx.operation, tx.safe_tx_gas, tx.base_gas, tx.gas_price, tx.gas_token,
            tx.refund_receiver, tx.nonce]


@CHAIN_SETTINGS
@given(data=st.data())
def test_the_contract_safe_eth_py_and_indexops_hash_alike(mvi_safe, data):
    tx = data.draw(safe_txs(mvi_safe.address))
    theirs = safe_eth_tx.SafeTx(None, tx.safe, tx.to, tx.value, tx.data, tx.operation, tx.safe_tx_gas, tx.base_gas,
                                tx.gas_price, tx.gas_token, tx.refund_receiver, safe_nonce=tx.nonce,
                                safe_version="1.3.0", chain_id=31337)
    on_chain = bytes(mvi_safe.functions.getTransactionHash(*contract_args(tx)).call())
    assert on_chain == safe_tx_hash(tx) == bytes(theirs.safe_tx_hash)
    assert bytes(mvi_safe.functions.encodeTransactionData(*contract_args(tx)).call()) == encoded_transaction_data(tx)


KINDS = ("eip712", "eth_sign", "approved_hash", "approved_hash_unapproved")


@CHAIN_SETTINGS
@given(data=st.data())
def test_the_contract_accepts_exactly_the_signature_sets_indexops_accepts(w3, mvi_safe, data):
    tx = data.draw(safe_txs(mvi_safe.address))
    digest = safe_tx_hash(tx)
    signers = data.draw(st.lists(st.sampled_from(OWNER_ACCOUNTS), unique=True, min_size=1, max_size=4))
    ours, theirs = [], []
    for n in signers:
        kind = data.draw(st.sampled_from(KINDS))
        account = key(n)
        if kind == "eip712":
            signature = sign_safe_tx(tx, account)
            theirs.append(safe_eth_signature.SafeSignatureEOA(signature.static, digest))
        elif kind == "eth_sign":
            signature = eth_sign_safe_tx_hash(digest, account)
            theirs.append(safe_eth_signature.SafeSignatureEthSign(signature.static, digest))
        else:
            if kind == "approved_hash":  # only an owner can approve: the contract refuses 8's approval (GS030)
                call = mvi_safe.functions.approveHash(digest)
                if n != 8:
                    w3.eth.wait_for_transaction_receipt(call.transact({"from": account.address}))
            signature = approved_hash_signature(account.address)
            theirs.append(safe_eth_signature.SafeSignatureApprovedHash.build_for_owner(account.address, digest))
        ours.append(signature)
    ordered = data.draw(st.sampled_from(["sorted", "as drawn"]))
    blob = encode_signatures(sorted(ours, key=lambda s: int(s.owner, 16)) if ordered == "sorted" else ours)
    if ordered == "sorted":
        assert blob == bytes(safe_eth_signature.SafeSignature.export_signatures(theirs))
    required = data.draw(st.integers(1, 3))
    stranger = w3.eth.accounts[9]
    data_bytes = encoded_transaction_data(tx)
    try:
        mvi_safe.functions.checkNSignatures(digest, data_bytes, blob, required).call({"from": stranger})
        contract_accepts = True
    except Exception:  # the contract's revert, as web3 raises it
        contract_accepts = False
    facts = signature_facts(w3, mvi_safe.address, digest, data_bytes, stranger)
    try:
        check_signatures(blob, digest, mvi_safe.functions.getOwners().call(), required, version="1.3.0", chain=facts)
        indexops_accepts = True
    except UsageError:
        indexops_accepts = False
    assert indexops_accepts == contract_accepts, (signers, ordered, required)
