"""What a signer signs recovers to its address; it cannot be pickled; importing the package stays light."""

from __future__ import annotations

import copy
import pickle
import subprocess
import sys

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct, encode_typed_data
from eth_keys import keys
from eth_utils import keccak

from indexops.safe.safetx import SafeTx, safe_tx_hash, safe_tx_typed_data
from indexops.safe.signatures import eth_sign_safe_tx_hash, parse_signature, sign_safe_tx
from indexops.signing import LocalSigner, Signer, SignerKind, anvil_signer, resolve_signer
from indexops.signing.errors import InvalidHash, MalformedPrivateKey
from tests.signing.helpers import KEY, KEY_ADDRESS, KEY_HEX, no_password

SAFE_TX = SafeTx(safe="0x9999999999999999999999999999999999999999", chain_id=31337, safe_version="1.3.0",
                 to="0x2222222222222222222222222222222222222222", value=1, data=b"\x01", nonce=7)

LEGACY_TX = {"to": "0x2222222222222222222222222222222222222222", "value": 10**18, "gas": 21000,
             "gasPrice": 10**9, "nonce": 0, "chainId": 31337}
EIP1559_TX = {"to": "0x2222222222222222222222222222222222222222", "value": 1, "gas": 50000, "data": "0x1234",
              "maxFeePerGas": 2 * 10**9, "maxPriorityFeePerGas": 10**9, "nonce": 5, "chainId": 1, "type": 2}


@pytest.fixture
def signer():
    return resolve_signer(None, None, environ={"INDEXOPS_PRIVATE_KEY": "0x" + KEY_HEX}, sandbox=False,
                          password=no_password)


def test_is_a_signer(signer):
    assert isinstance(signer, Signer)
    assert signer.address == KEY_ADDRESS


@pytest.mark.parametrize("tx", [LEGACY_TX, EIP1559_TX], ids=["legacy", "eip1559"])
def test_signed_transaction_recovers_to_the_signer(signer, tx):
    raw = signer.sign_transaction(tx)
    assert isinstance(raw, bytes)
    assert Account.recover_transaction(raw) == signer.address


def test_anvil_signed_transaction_recovers():
    signer = anvil_signer(3)
    assert Account.recover_transaction(signer.sign_transaction({**LEGACY_TX, "from": signer.address})) == signer.address


def test_sign_hash_gives_r_s_v_over_the_bare_hash(signer):
    digest = keccak(b"anything")
    r, s, v = signer.sign_hash(digest)
    assert v in (27, 28)
    recovered = keys.Signature(vrs=(v - 27, r, s)).recover_public_key_from_msg_hash(digest)
    assert recovered.to_checksum_address() == signer.address
    packed = r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes([v])
    assert parse_signature(packed, digest).owner == signer.address


@pytest.mark.parametrize("bad, what", [(b"\x00" * 31, "31 bytes"), ("0x" + "00" * 32, "str")])
def test_sign_hash_wants_32_bytes(signer, bad, what):
    with pytest.raises(InvalidHash) as raised:
        signer.sign_hash(bad)
    assert str(raised.value) == f"a hash to sign must be 32 bytes, got {what}"


def test_typed_data_and_messages_recover(signer):
    typed = safe_tx_typed_data(SAFE_TX)
    signature = signer.sign_typed_data(typed)
    assert len(signature) == 65
    assert Account.recover_message(encode_typed_data(full_message=typed), signature=signature) == signer.address
    personal = signer.sign_message(b"hi")
    assert Account.recover_message(encode_defunct(primitive=b"hi"), signature=personal) == signer.address


def test_plugs_into_the_safe_layer_as_a_callable_signer(signer):
    assert sign_safe_tx(SAFE_TX, signer.sign_typed_data).owner == signer.address
    assert eth_sign_safe_tx_hash(safe_tx_hash(SAFE_TX), signer.sign_message).owner == signer.address


def test_pickling_is_refused_and_copies_are_the_same_object(signer):
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        with pytest.raises(TypeError, match="cannot be pickled: it holds a private key"):
            pickle.dumps(signer, protocol=protocol)
    assert copy.copy(signer) is signer
    assert copy.deepcopy({"s": signer})["s"] is signer


def test_no_instance_dict(signer):
    with pytest.raises(TypeError):
        vars(signer)
    with pytest.raises(AttributeError):
        signer.extra = 1


@pytest.mark.parametrize("key", [b"\x01" * 31, bytes(32), "0x" + "11" * 32])
def test_local_signer_refuses_bad_keys(key):
    with pytest.raises(MalformedPrivateKey):
        LocalSigner(key, kind=SignerKind.ENV, origin="test key")


def test_local_signer_from_key_bytes():
    signer = LocalSigner(KEY, kind=SignerKind.ENV, origin="test key")
    assert (signer.address, str(signer)) == (KEY_ADDRESS, f"{KEY_ADDRESS} (test key)")


def test_importing_the_package_loads_neither_web3_nor_eth_account():
    code = (
        "import sys, indexops.signing\n"
        "print(sorted(m for m in ('web3', 'eth_account', 'eth_keys') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
