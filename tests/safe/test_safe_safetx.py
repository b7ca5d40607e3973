"""SafeTx hashing: published vectors, a first-principles recomputation, and agreement of both paths."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from eth_abi import encode
from eth_utils import keccak, to_checksum_address
from hypothesis import given, settings
from hypothesis import strategies as st

from indexops.errors import UsageError
from indexops.safe.errors import (
    MalformedSafeTxFile,
    SafeTxHashMismatch,
    UnsupportedSafeVersion,
    WrongChain,
)
from indexops.safe.independent_hash import recompute_safe_tx_hash, verify_safe_tx_hash
from indexops.safe.safetx import SafeTx, check_chain, domain_for, safe_tx_hash, safe_tx_typed_data
from indexops.safe.safetx_json import safe_tx_from_dict, safe_tx_to_dict
from indexops.safe.versions import canonical_safe_version, parse_safe_version
from indexops.values import InvalidAddress, InvalidValue

ZERO = "0x" + "0" * 40


def first_principles_hash(tx: SafeTx) -> bytes:
    """Written from the EIP-712 definition alone, type strings spelled out."""
    version = tuple(int(part) for part in tx.safe_version.split("."))
    gas_name = "baseGas" if version >= (1, 0, 0) else "dataGas"
    type_string = (
        "SafeTx(address to,uint256 value,bytes data,uint8 operation,uint256 safeTxGas,"
        f"uint256 {gas_name},uint256 gasPrice,address gasToken,address refundReceiver,uint256 nonce)"
    )
    struct = keccak(encode(
        ["bytes32", "address", "uint256", "bytes32", "uint8", "uint256", "uint256", "uint256", "address", "address", "uint256"],
        [keccak(text=type_string), tx.to, tx.value, keccak(tx.data), tx.operation, tx.safe_tx_gas, tx.base_gas,
         tx.gas_price, tx.gas_token, tx.refund_receiver, tx.nonce],
    ))
    if version >= (1, 3, 0):
        domain = keccak(encode(["bytes32", "uint256", "address"],
                               [keccak(text="EIP712Domain(uint256 chainId,address verifyingContract)"), tx.chain_id, tx.safe]))
    else:
        domain = keccak(encode(["bytes32", "address"], [keccak(text="EIP712Domain(address verifyingContract)"), tx.safe]))
    return keccak(b"\x19\x01" + domain + struct)


# Published in safe-eth-py's test suite (gnosis/safe/tests/test_safe_tx.py), which checks them against
# the contracts' getTransactionHash.
PUBLISHED = [
    (dict(safe="0x692a70d2e424a56d2c6c27aa97d1a86395877b3a", chain_id=1, safe_version="0.1.0",
          to="0x5AC255889882aaB35A2aa939679E3F3d4Cea221E", value=5000000, data=b"\x00", operation=0,
          safe_tx_gas=50000, base_gas=100, gas_price=10000, nonce=67),
     "c9d69a2350aede7978fdee58e702647e4bbdc82168577aa4a43b66ad815c6d1a"),
    (dict(safe="0x692a70D2e424a56D2C6C27aA97D1a86395877b3A", chain_id=1, safe_version="1.0.0",
          to="0x5AC255889882aaB35A2aa939679E3F3d4Cea221E", value=5000000, data=b"\x00", operation=0,
          safe_tx_gas=50000, base_gas=100, gas_price=10000, nonce=67),
     "7c60341f3e1b4483575f38e84e97d6b332a2dd55b9290f39e6e26eef29a04fe7"),
    (dict(safe="0x2B0b9cBDA3D7b0F760187c52A8FFB18C48E5d96A", chain_id=4, safe_version="1.3.0",
          to="0x79613FD49472C3C7a32188e45ff00e7bdC8a897d", value=2, data="0x1212", operation=0,
          gas_token="0xFA995c7a0d32A4e7497508a5C380369BE8dB49Db",
          refund_receiver="0x6b92f5E5360bfCa8F5d3FcE65D87382967847983", nonce=17),
     "01d42a801ac44d3ebd43592be980dea0756d7f7b27d718d3016a42ea7ce85587"),
]


@pytest.mark.parametrize("fields,expected", PUBLISHED, ids=["0.1.0", "1.0.0", "1.3.0-rinkeby"])
def test_published_vectors_on_both_paths(fields, expected):
    tx = SafeTx(**fields)
    assert safe_tx_hash(tx).hex() == expected
    assert recompute_safe_tx_hash(tx).hex() == expected
    assert first_principles_hash(tx).hex() == expected


def make_tx(**overrides) -> SafeTx:
    fields = dict(safe="0x1111111111111111111111111111111111111111", chain_id=31337, safe_version="1.3.0",
                  to="0x2222222222222222222222222222222222222222", value=10**18, data=b"\xab\xcd", nonce=5)
    fields.update(overrides)
    return SafeTx(**fields)


@pytest.mark.parametrize("version", ["0.1.0", "1.1.1", "1.2.0", "1.3.0", "1.4.1"])
def test_known_answer_per_version(version):
    tx = make_tx(safe_version=version, operation=1, safe_tx_gas=7, base_gas=8, gas_price=9,
                 gas_token="0x3333333333333333333333333333333333333333", refund_receiver="0x4444444444444444444444444444444444444444")
    expected = first_principles_hash(tx)
    assert safe_tx_hash(tx) == expected
    assert recompute_safe_tx_hash(tx) == expected
    assert verify_safe_tx_hash(tx, expected) == expected


def test_chain_id_only_matters_from_1_3_0():
    assert safe_tx_hash(make_tx(chain_id=1)) != safe_tx_hash(make_tx(chain_id=10))
    assert safe_tx_hash(make_tx(chain_id=1, safe_version="1.1.1")) == safe_tx_hash(make_tx(chain_id=10, safe_version="1.1.1"))


addresses = st.binary(min_size=20, max_size=20).map(to_checksum_address)
uint256 = st.integers(min_value=0, max_value=2**256 - 1)


@settings(max_examples=60, deadline=None)
@given(to=addresses, safe=addresses, value=uint256, data=st.binary(max_size=200), operation=st.sampled_from([0, 1]),
       gas=st.tuples(uint256, uint256, uint256), token=addresses, receiver=addresses, nonce=uint256,
       chain_id=st.integers(min_value=1, max_value=2**64), version=st.sampled_from(["0.1.0", "1.0.0", "1.1.1", "1.3.0", "1.4.1"]))
def test_both_paths_agree(to, safe, value, data, operation, gas, token, receiver, nonce, chain_id, version):
    tx = SafeTx(safe=safe, chain_id=chain_id, safe_version=version, to=to, value=value, data=data, operation=operation,
                safe_tx_gas=gas[0], base_gas=gas[1], gas_price=gas[2], gas_token=token, refund_receiver=receiver, nonce=nonce)
    assert safe_tx_hash(tx) == recompute_safe_tx_hash(tx) == first_principles_hash(tx)


def test_domain_shapes():
    safe = "0x1111111111111111111111111111111111111111"
    assert domain_for("1.3.0", 5, safe) == {"chainId": 5, "verifyingContract": safe}
    assert domain_for("1.4.1", 5, safe) == {"chainId": 5, "verifyingContract": safe}
    assert domain_for("1.1.1", 5, safe) == {"verifyingContract": safe}
    typed = safe_tx_typed_data(make_tx(safe_version="0.1.0"))
    assert [f["name"] for f in typed["types"]["SafeTx"]][5] == "dataGas"
    assert "dataGas" in typed["message"]
    json.dumps(safe_tx_typed_data(make_tx()))  # plain JSON for external signers


@pytest.mark.parametrize("text,parsed", [("1.3.0", (1, 3, 0)), ("1.4.1", (1, 4, 1)), ("1.1.1", (1, 1, 1)),
                                         ("0.1.0", (0, 1, 0)), ("1.3.0+L2", (1, 3, 0)), ("v1.10.2", (1, 10, 2))])
def test_version_parser(text, parsed):
    assert parse_safe_version(text) == parsed


def test_versions_compare_numerically_and_bad_ones_fail():
    assert parse_safe_version("1.10.0") > parse_safe_version("1.3.0")
    assert canonical_safe_version("1.3.0+L2") == "1.3.0"
    for bad in ["1.3", "one", "", None, "1.3.0-rc1"]:
        with pytest.raises(UnsupportedSafeVersion):
            parse_safe_version(bad)


def test_inputs_validated_and_addresses_checksummed():
    tx = make_tx(to="0x52908400098527886e0f7030069857d2e4169ee7")
    assert tx.to == "0x52908400098527886E0F7030069857D2E4169EE7"
    with pytest.raises(InvalidAddress):
        make_tx(to="0x52908400098527886E0F7030069857D2E4169Ee7")  # mixed case, wrong checksum
    with pytest.raises(InvalidAddress):
        make_tx(to="0x1234")
    with pytest.raises(InvalidValue, match="operation"):
        make_tx(operation=2)
    with pytest.raises(InvalidValue, match="value"):
        make_tx(value=-1)
    with pytest.raises(InvalidValue):
        make_tx(nonce=True)
    with pytest.raises(InvalidValue):
        make_tx(data="0xabc")
    with pytest.raises(UsageError):
        make_tx(chain_id=0)


def test_replace_revalidates():
    tx = make_tx()
    assert tx.replace(nonce=6).nonce == 6
    with pytest.raises(InvalidValue):
        tx.replace(value=2**256)


def test_verify_refuses_a_wrong_hash():
    tx = make_tx()
    with pytest.raises(SafeTxHashMismatch, match="raw ABI encoding"):
        verify_safe_tx_hash(tx, bytes(32))


def test_json_round_trip_and_tamper_detection():
    tx = make_tx(value=2**200, operation=1)
    document = json.loads(json.dumps(safe_tx_to_dict(tx)))
    assert document["value"] == str(2**200)
    assert safe_tx_from_dict(document) == tx
    tampered = dict(document, to="0x3333333333333333333333333333333333333333")
    with pytest.raises(SafeTxHashMismatch):
        safe_tx_from_dict(tampered)


def test_json_reports_every_problem():
    document = safe_tx_to_dict(make_tx())
    document.update(value=5, to="nope", extra=1)
    del document["nonce"]
    with pytest.raises(MalformedSafeTxFile) as caught:
        safe_tx_from_dict(document, path="tx.json")
    message = str(caught.value)
    assert len(caught.value.problems) == 4
    assert all(line.startswith("tx.json: ") for line in message.splitlines())
    assert "nonce is missing" in message and "extra" in message


def test_wrong_chain_refused():
    check_chain(make_tx(chain_id=5), 5)
    with pytest.raises(WrongChain, match="Safe transaction is for chain 5, but the Safe is on chain 1"):
        check_chain(make_tx(chain_id=5), 1)


def test_safe_layer_does_not_import_web3():
    modules = ["safetx", "independent_hash", "safetx_json", "multisend", "txbuilder", "signatures", "service"]
    code = "import sys\n" + "".join(f"import indexops.safe.{m}\n" for m in modules) + "assert 'web3' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
