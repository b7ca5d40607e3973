"""Signature sets read by indexops exactly as the deployed Safe 1.3.0 reads them: for every case, the verdict of
the contract's own checkNSignatures is set beside indexops' (with approvals and contract owners' answers read
from the same chain), refusal codes included where the Safe's are its own. A contract owner here is a real
Safe 1.3.0 owned by anvil account 7, answering through the CompatibilityFallbackHandler."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from eth_account import Account
from eth_utils import keccak, to_checksum_address

from indexops.errors import UsageError
from indexops.safe.independent_hash import encoded_transaction_data
from indexops.safe.safetx import SafeTx, safe_tx_hash
from indexops.safe.sidecar import load_sidecar
from indexops.safe.signature_check import check_signatures
from indexops.signing import anvil_dev_key_address
from indexops.workflows.safe.chain import signature_facts
from tests.paths import SHIPPED_PRODUCTS

pytestmark = pytest.mark.chain

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
NESTED_OWNER = 7  # anvil account that owns the Safe acting as a contract owner


def key(n: int) -> Account:
    return Account.from_key(anvil_dev_key_address(n)[0])


def eoa(n: int, digest: bytes) -> bytes:
    return bytes(key(n).unsafe_sign_hash(digest).signature)


def eth_sign(n: int, digest: bytes) -> bytes:
    signature = eoa(n, keccak(b"\x19Ethereum Signed Message:\n32" + digest))
    return signature[:64] + bytes([signature[64] + 4])


def word(value: int) -> bytes:
    return value.to_bytes(32, "big")


def address_word(address: str, above: bytes = bytes(12)) -> bytes:
    return above + bytes.fromhex(address[2:])


def static(owner: str, v: int, s: int = 0, above: bytes = bytes(12)) -> bytes:
    return address_word(owner, above) + word(s) + bytes([v])


@dataclasses.dataclass
class Sandbox:
    w3: object
    safe: object  # the mvi Safe, bound with the npm artifact's ABI
    nested: str  # a Safe owned by account 7, made an owner of `safe`
    owners: dict[int, str]  # anvil account -> address, for accounts 4, 5, 6
    digest: bytes
    data: bytes  # the Safe's encodeTransactionData of the SafeTx behind `digest`
    handler_at_nested: object  # the nested Safe seen through its fallback handler's ABI

    def sorted_by_owner(self, parts: dict[str, bytes]) -> bytes:
        return b"".join(parts[owner] for owner in sorted(parts, key=lambda a: int(a, 16)))

    def nested_signature(self, data: bytes, signer: int = NESTED_OWNER) -> bytes:
        """What the nested Safe accepts for `data`: its owner's signature over the nested Safe's message hash."""
        message_hash = self.handler_at_nested.functions.getMessageHash(data).call()
        return eoa(signer, bytes(message_hash))


@pytest.fixture
def chain(w3, real, book) -> Sandbox:
    safe = real("GnosisSafe", book["safe"]["safe"])
    accounts = w3.eth.accounts
    nested_owner = accounts[NESTED_OWNER]
    singleton = real("GnosisSafe", book["safe"]["singleton"])
    setup = singleton.encode_abi("setup", args=[[nested_owner], 1, "0x" + "00" * 20, b"", book["safe"]["fallback_handler"],
                                                "0x" + "00" * 20, 0, "0x" + "00" * 20])
    factory = real("GnosisSafeProxyFactory", book["safe"]["proxy_factory"])
    nested = factory.functions.createProxyWithNonce(singleton.address, setup, 7).call({"from": accounts[0]})
    w3.eth.wait_for_transaction_receipt(factory.functions.createProxyWithNonce(singleton.address, setup, 7)
                                        .transact({"from": accounts[0]}))
    w3.provider.make_request("anvil_impersonateAccount", [safe.address])
    w3.provider.make_request("anvil_setBalance", [safe.address, hex(10**18)])
    w3.eth.wait_for_transaction_receipt(safe.functions.addOwnerWithThreshold(nested, 2).transact({"from": safe.address}))
    w3.provider.make_request("anvil_stopImpersonatingAccount", [safe.address])
    tx = SafeTx(safe=safe.address, chain_id=31337, safe_version="1.3.0", to=book["tokens"]["MANA"], data=b"\x12\x34",
                nonce=0)
    digest = bytes(safe.functions.getTransactionHash(tx.to, 0, tx.data, 0, 0, 0, 0, tx.gas_token, tx.refund_receiver, 0).call())
    data = bytes(safe.functions.encodeTransactionData(tx.to, 0, tx.data, 0, 0, 0, 0, tx.gas_token, tx.refund_receiver, 0).call())
    assert digest == safe_tx_hash(tx) and data == encoded_transaction_data(tx)
    return Sandbox(w3, safe, nested, {n: accounts[n] for n in (4, 5, 6)}, digest, data,
                   real("CompatibilityFallbackHandler", nested))


def contract_verdict(chain: Sandbox, blob: bytes, required: int, sender: str, data: bytes) -> str:
    try:
        chain.safe.functions.checkNSignatures(chain.digest, data, blob, required).call({"from": sender})
    except Exception as error:  # the contract's revert, as web3 raises it
        found = re.search(r"GS\d{3}", str(error))
        return found.group(0) if found else "reverted"
    return "accepted"


def indexops_verdict(chain: Sandbox, blob: bytes, required: int, sender: str) -> str:
    owners = chain.safe.functions.getOwners().call()
    facts = signature_facts(chain.w3, chain.safe.address, chain.digest, chain.data, sender)
    try:
        check_signatures(blob, chain.digest, owners, required, version="1.3.0", chain=facts)
    except UsageError as error:
        return getattr(error, "code", None) or type(error).__name__
    return "accepted"


Case = Callable[[Sandbox], tuple[bytes, int, str]]  # -> (signatures, required, sender)


def _plain(chain: Sandbox):
    return chain.sorted_by_owner({chain.owners[4]: eoa(4, chain.digest), chain.owners[5]: eoa(5, chain.digest)})


def _stranger(chain: Sandbox) -> str:
    return chain.w3.eth.accounts[9]


def _with_contract(chain: Sandbox, offset: int, data: bytes, above: bytes = bytes(12), extra: bytes = b"") -> bytes:
    """The nested Safe's contract signature beside account 4's, its data `data` placed at `offset`."""
    parts = {chain.nested: static(chain.nested, 0, offset, above), chain.owners[4]: eoa(4, chain.digest)}
    blob = chain.sorted_by_owner(parts) + extra
    return blob + bytes(max(0, offset - len(blob))) + word(len(data)) + data if offset >= len(blob) else blob


def _high_s(chain: Sandbox) -> bytes:
    signature = eoa(5, chain.digest)
    s = SECP256K1_N - int.from_bytes(signature[32:64], "big")
    return signature[:32] + word(s) + bytes([55 - signature[64]])  # the other v: 27 <-> 28


def _overlapping(chain: Sandbox) -> bytes:
    """Three static parts given for two required; the contract signature's data starts where the third is."""
    signature = chain.nested_signature(chain.data)
    parts = {chain.nested: static(chain.nested, 0, 130), chain.owners[4]: eoa(4, chain.digest)}
    return chain.sorted_by_owner(parts) + word(len(signature)) + signature  # 32 + 65 bytes: the "third" and more


CASES: dict[str, tuple[Case, bool]] = {  # name -> (case, whether the Safe's refusal code is compared too)
    "two EIP-712 signatures": (lambda c: (_plain(c), 2, _stranger(c)), True),
    "EIP-712 and eth_sign": (lambda c: (c.sorted_by_owner({c.owners[4]: eoa(4, c.digest), c.owners[6]: eth_sign(6, c.digest)}),
                                        2, _stranger(c)), True),
    "trailing bytes after the last signature": (lambda c: (_plain(c) + b"\xee" * 7, 2, _stranger(c)), True),
    "a third signature past the threshold is never read": (lambda c: (_plain(c) + b"\x01" * 64 + b"\x05", 2, _stranger(c)), True),
    "high-s ECDSA signature": (lambda c: (c.sorted_by_owner({c.owners[4]: eoa(4, c.digest), c.owners[5]: _high_s(c)}),
                                          2, _stranger(c)), True),
    "approved hash with bytes above the address in r": (
        lambda c: (c.sorted_by_owner({c.owners[4]: eoa(4, c.digest), c.owners[5]: static(c.owners[5], 1, 0, b"\xab" * 12)}),
                   2, _stranger(c)), True),
    "approved hash never approved": (
        lambda c: (c.sorted_by_owner({c.owners[4]: eoa(4, c.digest), c.owners[6]: static(c.owners[6], 1)}), 2, _stranger(c)), True),
    "approved hash of the sender": (
        lambda c: (c.sorted_by_owner({c.owners[4]: eoa(4, c.digest), c.owners[6]: static(c.owners[6], 1)}), 2, c.owners[6]), True),
    "contract signature, data right after the static parts": (
        lambda c: (_with_contract(c, 130, c.nested_signature(c.data)), 2, _stranger(c)), True),
    "contract signature with bytes above the address in r": (
        lambda c: (_with_contract(c, 130, c.nested_signature(c.data), above=b"\x77" * 12), 2, _stranger(c)), True),
    "contract signature data overlapping a static part past the threshold": (lambda c: (_overlapping(c), 2, _stranger(c)), True),
    "contract signature data at offset 0": (
        lambda c: (_with_contract(c, 0, b"", extra=word(65) + c.nested_signature(c.data)), 2, _stranger(c)), True),
    "contract signature data inside the static part": (
        lambda c: (_with_contract(c, 129, b"", extra=word(65) + c.nested_signature(c.data)), 2, _stranger(c)), True),
    "contract signature without its length word": (lambda c: (_with_contract(c, 150, b"")[:170], 2, _stranger(c)), True),
    "contract signature data running past the end": (lambda c: (_with_contract(c, 130, c.nested_signature(c.data))[:-1], 2,
                                                                 _stranger(c)), True),
    "contract signature the contract does not accept": (
        lambda c: (_with_contract(c, 130, c.nested_signature(c.data, signer=8)), 2, _stranger(c)), False),
    "required 1, a broken second signature": (lambda c: (eoa(4, c.digest) + b"\x00" * 64 + b"\x09", 1, _stranger(c)), True),
    "three kinds for required 3": (
        lambda c: (c.sorted_by_owner({c.nested: static(c.nested, 0, 195), c.owners[4]: eoa(4, c.digest),
                                      c.owners[5]: static(c.owners[5], 1)})
                   + word(65) + c.nested_signature(c.data), 3, _stranger(c)), True),
    "unsorted": (lambda c: (eoa(5, c.digest) + eoa(4, c.digest) if int(c.owners[5], 16) > int(c.owners[4], 16)
                            else eoa(4, c.digest) + eoa(5, c.digest), 2, _stranger(c)), True),
    "duplicated": (lambda c: (eoa(4, c.digest) * 2, 2, _stranger(c)), True),
    "a non-owner": (lambda c: (c.sorted_by_owner({c.owners[4]: eoa(4, c.digest), c.w3.eth.accounts[8]: eoa(8, c.digest)}),
                               2, _stranger(c)), True),
    "too short": (lambda c: (eoa(4, c.digest) + b"\x00" * 64, 2, _stranger(c)), True),
    "eth_sign with v 33": (lambda c: (c.sorted_by_owner({c.owners[4]: eoa(4, c.digest),
                                                         c.owners[6]: eth_sign(6, c.digest)[:64] + b"\x21"}), 2, _stranger(c)), True),
    "v 5": (lambda c: (c.sorted_by_owner({c.owners[4]: eoa(4, c.digest), c.owners[6]: eoa(6, c.digest)[:64] + b"\x05"}),
                       2, _stranger(c)), True),
}


@pytest.mark.parametrize("name", CASES, ids=list(CASES))
def test_indexops_accepts_and_refuses_exactly_what_the_deployed_safe_does(chain, name):
    case, same_code = CASES[name]
    approver = chain.owners[5]
    chain.w3.eth.wait_for_transaction_receipt(chain.safe.functions.approveHash(chain.digest).transact({"from": approver}))
    blob, required, sender = case(chain)
    theirs = contract_verdict(chain, blob, required, sender, chain.data)
    ours = indexops_verdict(chain, blob, required, sender)
    if same_code or theirs == "accepted":
        assert ours == theirs, name
    else:
        assert ours != "accepted" and theirs != "accepted", (name, ours, theirs)


def test_the_cases_cover_acceptance_and_every_location_code(chain):
    approver = chain.owners[5]
    chain.w3.eth.wait_for_transaction_receipt(chain.safe.functions.approveHash(chain.digest).transact({"from": approver}))
    verdicts = {contract_verdict(chain, *CASES[name][0](chain)[:3], chain.data) for name in CASES}
    assert {"accepted", "GS020", "GS021", "GS022", "GS023", "GS025", "GS026"} <= verdicts


# ---- safe exec with a contract owner --------------------------------------------------------------

@pytest.fixture
def signed_export(cli, chain, tmp_path) -> Path:
    plan = tmp_path / "mvi.plan.json"
    assert cli("plan", "mvi", "--config", SHIPPED_PRODUCTS, "--gas-price", "30", "--out", plan, "--json").code == 0
    exported = cli("safe", "export", plan, "--multisend", "--config", SHIPPED_PRODUCTS, "--json")
    assert exported.code == 0, exported.err
    sidecar = Path(exported.json()["sidecar"])
    assert cli("safe", "sign", sidecar, "--account", "4", "--config", SHIPPED_PRODUCTS).code == 0
    return sidecar


def add_contract_signature(chain: Sandbox, sidecar: Path, signer: int) -> None:
    """As another tool would: the nested Safe's signature over the SafeTx, and the nested Safe among the owners."""
    document = json.loads(sidecar.read_text())
    entry = load_sidecar(sidecar.read_text()).transactions[0]
    signature = chain.nested_signature(encoded_transaction_data(entry.safe_tx), signer)
    packed = static(chain.nested, 0, 65) + word(len(signature)) + signature
    document["owners"].append(to_checksum_address(chain.nested))
    document["transactions"][0]["signatures"].append({"owner": chain.nested, "kind": "contract", "signature": "0x" + packed.hex()})
    sidecar.write_text(json.dumps(document))


def test_safe_exec_checks_a_contract_owners_signature_on_chain_then_executes(cli, chain, signed_export):
    add_contract_signature(chain, signed_export, NESTED_OWNER)
    decoded = cli("safe", "decode", signed_export, "--config", SHIPPED_PRODUCTS, "--json")
    assert decoded.code == 0, decoded.err
    kinds = {s["owner"]: s["kind"] for s in decoded.json()["transactions"][0]["signatures"]}
    assert kinds == {chain.owners[4]: "eip712", chain.nested: "contract"}
    result = cli("safe", "exec", signed_export, "--account", "6", "--yes", "--config", SHIPPED_PRODUCTS, "--json")
    assert result.code == 0, result.err
    assert chain.safe.functions.nonce().call() == 1


def test_safe_exec_refuses_a_contract_signature_the_contract_does_not_accept(cli, chain, signed_export):
    add_contract_signature(chain, signed_export, 8)  # account 8 does not own the nested Safe
    sent_before = chain.w3.eth.get_transaction_count(chain.owners[6])
    refused = cli("safe", "exec", signed_export, "--account", "6", "--yes", "--config", SHIPPED_PRODUCTS)
    assert refused.code == 2 and refused.err.count("\n") == 1, refused.err
    assert f"the contract owner {chain.nested} does not accept its signature (EIP-1271)" in refused.err
    assert chain.safe.functions.nonce().call() == 0 and chain.w3.eth.get_transaction_count(chain.owners[6]) == sent_before
