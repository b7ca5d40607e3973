"""`indexops safe decode` and `sign` offline: names, human amounts and flags for signers, older Safes,
a batch file alone, and signatures from other tools. No chain: the exports are written here."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from eth_abi import encode
from eth_account import Account
from eth_utils import keccak

from indexops.chain.calldata import encode_call
from indexops.routes.calls import function_fragment
from indexops.safe.multisend import MULTISEND_SELECTOR, MultiSendCall, multisend_safe_tx
from indexops.safe.safetx import CALL, DELEGATECALL, SafeTx
from indexops.safe.sidecar import SafeTxFile, SignedSafeTx, load_sidecar
from indexops.safe.txbuilder import batch_transaction, build_batch, dump_batch
from indexops.signing import anvil_dev_address, anvil_dev_key_address
from indexops.workflows.safe.files import file_keccak, write_sidecar

SHIPPED = Path(__file__).resolve().parents[2] / "products.toml"
# Sandbox addresses from products.toml
SAFE = "0x4E218dF5bcbeC2240a4293De369F4f5f17e0Edb7"  # mvi's operator of record
GIM_EXTENSION = "0xde2Bd2ffEA002b8E84ADeA96e5976aF664115E2c"
BASE_MANAGER = "0xD42912755319665397FF090fBB63B1a31aE87Cee"
MULTISEND_CALL_ONLY = "0xA7c59f010700930003b33aB25a7a0679C860f29c"
MANA = "0x1613beB3B2C4f22Ee086B2b38C1476A3cE7f78E8"
SAND = "0x851356ae760d987E095750cCeb3bC6014560891C"
GALA = "0x998abeb3E57409262aE5b751f60747921B33613E"
STRANGER = "0x000000000000000000000000000000000000dEaD"
OWNERS = tuple(anvil_dev_address(n) for n in (4, 5, 6))


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("INDEXOPS_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("INDEXOPS_PRIVATE_KEY", raising=False)


def call(abi: str, function: str, to: str, *args, value: int = 0) -> MultiSendCall:
    return MultiSendCall(to=to, value=value, data=encode_call(function_fragment(abi, function), list(args)))


def write_export(directory: Path, calls: list[MultiSendCall], *, version: str = "1.3.0",
                 multisend: str = MULTISEND_CALL_ONLY, multisend_payload: bytes | None = None) -> Path:
    """A batch file and its sidecar, as `safe export` writes them, without a chain.

    `multisend_payload` replaces the packed MultiSend payload of the SafeTx (another layout, or none)."""
    text = dump_batch(build_batch(chain_id=31337, safe=SAFE, created_at_ms=0, name="test",
                                  transactions=[batch_transaction(c.to, c.value, c.data) for c in calls]))
    (directory / "test.json").write_text(text)
    common = {"safe": SAFE, "chain_id": 31337, "safe_version": version, "nonce": 3}
    if multisend_payload is not None:
        data = MULTISEND_SELECTOR + encode(["bytes"], [multisend_payload])
        safe_tx = SafeTx(to=multisend, data=data, operation=DELEGATECALL, **common)
    elif len(calls) > 1:
        safe_tx = multisend_safe_tx(calls, multisend=multisend, **common)
    else:
        safe_tx = SafeTx(to=calls[0].to, value=calls[0].value, data=calls[0].data, operation=CALL, **common)
    file = SafeTxFile(safe=SAFE, chain_id=31337, safe_version=version, network="sandbox", owners=OWNERS, threshold=2,
                      transactions=(SignedSafeTx(safe_tx, "test.json", file_keccak(text)),), product="mvi",
                      multisend=multisend)
    write_sidecar(directory / "test.safetx.json", file)
    return directory / "test.safetx.json"


def safe_cli(cli, *args):
    return cli("safe", *args, "--config", SHIPPED)


def test_operator_calls_decode_with_names_and_token_amounts_and_raise_no_flag(cli, tmp_path):
    calls = [
        call("GIMExtension", "setTradeMaximums", GIM_EXTENSION, [MANA, GALA], [20_000 * 10**18, 15 * 10**7]),
        call("GIMExtension", "setCoolOffPeriods", GIM_EXTENSION, [MANA, GALA], [600, 1200]),
    ]
    sidecar = write_export(tmp_path, calls)
    result = safe_cli(cli, "decode", sidecar, "--json")
    assert result.code == 0, result.err
    review = result.json()
    (tx,) = review["transactions"]
    assert tx["target"] == "MultiSendCallOnly" and tx["operation"] == DELEGATECALL
    maximums, cool_offs = tx["calls"]
    assert maximums["target"] == "MVI GIMExtension" and maximums["function"] == "setTradeMaximums(address[],uint256[])"
    assert [arg["display"] for arg in maximums["args"]] == ["[MANA, GALA]", "[20,000 MANA, 1.5 GALA]"]
    assert cool_offs["args"][1]["display"] == "[600 s, 1,200 s]"
    assert review["flags"] == [] and review["valid"] is True

    shown = safe_cli(cli, "decode", tmp_path / "test.json")
    assert shown.code == 0 and "20,000 MANA" in shown.out and "MVI GIMExtension" in shown.out


def test_a_multisend_payload_in_the_original_abi_encoded_layout_decodes_too(cli, tmp_path):
    calls = [
        call("GIMExtension", "setTradeMaximums", GIM_EXTENSION, [MANA], [20_000 * 10**18]),
        call("GIMExtension", "setCoolOffPeriods", GIM_EXTENSION, [MANA, GALA], [600, 1200]),
    ]
    payload = b"".join(encode(["uint8", "address", "uint256", "bytes"], [0, c.to, c.value, c.data]) for c in calls)
    sidecar = write_export(tmp_path, calls, multisend_payload=payload)
    result = safe_cli(cli, "decode", sidecar, "--json")
    assert result.code == 0, result.err
    (tx,) = result.json()["transactions"]
    assert tx["multisend_layout"] == "ABI-encoded (MultiSend 1.0.0 and earlier)"
    assert [c["function"] for c in tx["calls"]] == ["setTradeMaximums(address[],uint256[])", "setCoolOffPeriods(address[],uint256[])"]
    assert tx["calls"][0]["args"][1]["display"] == "[20,000 MANA]"
    shown = safe_cli(cli, "decode", sidecar)
    assert shown.code == 0 and "2 calls, MultiSend payload ABI-encoded (MultiSend 1.0.0 and earlier)" in shown.out

    packed = tmp_path / "packed"
    packed.mkdir()
    result = safe_cli(cli, "decode", write_export(packed, calls), "--json")
    assert result.json()["transactions"][0]["multisend_layout"] == "packed (MultiSend 1.1.0 and later)"


def test_an_empty_multisend_batch_is_refused_in_one_line(cli, tmp_path):
    sidecar = write_export(tmp_path, [call("GIMExtension", "setCoolOffPeriods", GIM_EXTENSION, [MANA], [60])],
                           multisend_payload=b"")
    result = safe_cli(cli, "decode", sidecar)
    assert result.code == 2 and result.out == "" and result.err.count("\n") == 1
    assert "malformed MultiSend payload: the payload holds no calls" in result.err
    document = json.loads((tmp_path / "test.json").read_text())
    document["transactions"] = []
    (tmp_path / "alone.json").write_text(json.dumps(document))
    result = safe_cli(cli, "decode", tmp_path / "alone.json")
    assert result.code == 2 and result.err.count("\n") == 1 and "transactions must be a non-empty array" in result.err


def test_what_signers_must_notice_is_flagged(cli, tmp_path):
    calls = [
        call("ERC20", "approve", MANA, STRANGER, 2**256 - 1),
        call("BaseManager", "setOperator", BASE_MANAGER, STRANGER),
        call("GnosisSafe", "addOwnerWithThreshold", SAFE, STRANGER, 1),
        MultiSendCall(to=STRANGER, value=10**18),
    ]
    sidecar = write_export(tmp_path, calls)
    review = safe_cli(cli, "decode", sidecar, "--json").json()
    kinds = [(flag["where"], flag["kind"]) for flag in review["flags"]]
    assert kinds == [
        ("nonce 3, call 0", "approval"), ("nonce 3, call 1", "role-change"), ("nonce 3, call 2", "role-change"),
        ("nonce 3, call 3", "unknown-target"), ("nonce 3, call 3", "eth-value"),
    ]
    approval = review["flags"][0]["message"]
    assert "MANA.approve(spender=0x000000000000000000000000000000000000dEaD (unknown), amount=unlimited MANA" in approval
    strict = safe_cli(cli, "decode", sidecar, "--strict")
    assert strict.code == 2 and strict.err == "error: --strict: 5 flag(s) for signers to notice (listed above)\n"

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    sidecar = write_export(elsewhere, calls[:2], multisend=STRANGER)  # a "MultiSend" that is not MultiSendCallOnly
    flags = safe_cli(cli, "decode", sidecar, "--json").json()["flags"]
    assert flags[0]["kind"] == "delegatecall"
    assert flags[0]["message"].startswith(f"delegatecall to {STRANGER} (unknown), which is not MultiSendCallOnly")


def test_a_safe_before_1_3_signs_over_a_domain_without_chain_id(cli, tmp_path):
    sidecar = write_export(tmp_path, [call("GIMExtension", "setCoolOffPeriods", GIM_EXTENSION, [MANA], [60])], version="1.1.1")
    document = json.loads(sidecar.read_text())
    assert document["domain"] == {"verifyingContract": SAFE}
    typehash = keccak(text="EIP712Domain(address verifyingContract)")
    expected_domain = "0x" + keccak(encode(["bytes32", "address"], [typehash, SAFE])).hex()
    review = safe_cli(cli, "decode", sidecar, "--json").json()
    assert review["domain_hash"] == document["domainHash"] == expected_domain

    signed = safe_cli(cli, "sign", sidecar, "--account", "4", "--json")
    assert signed.code == 0, signed.err
    (entry,) = load_sidecar(sidecar.read_text()).transactions
    assert entry.signers == (OWNERS[0],)
    key, _ = anvil_dev_key_address(4)
    assert entry.signatures[0].static == Account.from_key(key).unsafe_sign_hash(entry.safe_tx_hash).signature


def test_signatures_from_other_tools_are_verified_before_they_are_kept(cli, tmp_path):
    sidecar = write_export(tmp_path, [call("GIMExtension", "setCoolOffPeriods", GIM_EXTENSION, [MANA], [60])])
    (entry,) = load_sidecar(sidecar.read_text()).transactions
    key, owner = anvil_dev_key_address(5)
    external = "0x" + bytes(Account.from_key(key).unsafe_sign_hash(entry.safe_tx_hash).signature).hex()
    added = safe_cli(cli, "sign", sidecar, "--add-signature", f"{owner}:{external}", "--account", "6", "--eth-sign", "--json")
    assert added.code == 0, added.err
    assert [(a["owner"], a["kind"]) for a in added.json()["added"]] == [(owner, "eip712"), (OWNERS[2], "eth_sign")]
    (entry,) = load_sidecar(sidecar.read_text()).transactions
    assert set(entry.signers) == {owner, OWNERS[2]} and entry.signatures[1].static[64] in (31, 32)

    other_hash = bytes(Account.from_key(key).unsafe_sign_hash(keccak(b"another transaction")).signature).hex()
    refused = safe_cli(cli, "sign", sidecar, "--add-signature", f"{owner}:0x{other_hash}")
    assert refused.code == 2 and refused.err.count("\n") == 1
    assert "does not recover to" in refused.err
    approved_hash = "0x" + bytes(12).hex() + OWNERS[0][2:] + bytes(32).hex() + "01"
    refused = safe_cli(cli, "sign", sidecar, "--add-signature", f"{OWNERS[0]}:{approved_hash}")
    assert refused.code == 2 and "cannot be verified offline" in refused.err


def test_decode_says_what_each_signature_is(cli, tmp_path):
    sidecar = write_export(tmp_path, [call("GIMExtension", "setCoolOffPeriods", GIM_EXTENSION, [MANA], [60])])
    assert safe_cli(cli, "sign", sidecar, "--account", "4").code == 0
    assert safe_cli(cli, "sign", sidecar, "--account", "5", "--eth-sign").code == 0
    wallet = "0x00000000000000000000000000000000000000C0"  # checksummed
    document = json.loads(sidecar.read_text())
    document["owners"].append(wallet)
    above_the_address = "0x" + "ab" * 12 + OWNERS[2][2:] + "00" * 32 + "01"  # the Safe reads only the low 20 bytes of r
    contract = "0x" + "00" * 12 + wallet[2:] + (65).to_bytes(32, "big").hex() + "00" + (2).to_bytes(32, "big").hex() + "cafe"
    document["transactions"][0]["signatures"] += [
        {"owner": OWNERS[2], "kind": "approved_hash", "signature": above_the_address},
        {"owner": wallet, "kind": "contract", "signature": contract},
    ]
    sidecar.write_text(json.dumps(document))
    result = safe_cli(cli, "decode", sidecar, "--json")
    assert result.code == 0, result.err
    (tx,) = result.json()["transactions"]
    assert [(s["owner"], s["kind"], s["verified_offline"]) for s in tx["signatures"]] == [
        (OWNERS[0], "eip712", True), (OWNERS[1], "eth_sign", True), (OWNERS[2], "approved_hash", False),
        (wallet, "contract", False),
    ]
    shown = safe_cli(cli, "decode", sidecar)
    assert shown.code == 0, shown.err
    for line in (f"{OWNERS[0]}  EOA, EIP-712 typed data", f"{OWNERS[1]}  EOA, eth_sign of the hash",
                 f"{OWNERS[2]}  approved hash: holds if the owner approved it", f"{wallet}  contract signature (EIP-1271)"):
        assert line in shown.out


def test_a_batch_file_alone_decodes_but_cannot_be_signed(cli, tmp_path):
    sidecar = write_export(tmp_path, [call("GIMExtension", "setCoolOffPeriods", GIM_EXTENSION, [SAND], [60])])
    sidecar.unlink()
    review = safe_cli(cli, "decode", tmp_path / "test.json", "--json")
    assert review.code == 0, review.err
    assert review.json()["sidecar"] is None and review.json()["transactions"][0]["calls"][0]["target"] == "MVI GIMExtension"
    assert any("no sidecar" in check for check in review.json()["checks"])
    refused = safe_cli(cli, "sign", tmp_path / "test.json", "--account", "4")
    assert refused.code == 2 and "no .safetx.json file next to it names this batch" in refused.err


def test_malformed_files_are_refused_in_one_line(cli, tmp_path):
    garbage = tmp_path / "garbage.json"
    garbage.write_text("{not json")
    result = safe_cli(cli, "decode", garbage)
    assert result.code == 2 and result.out == "" and result.err.count("\n") == 1 and "not JSON" in result.err
    sidecar = write_export(tmp_path, [call("GIMExtension", "setCoolOffPeriods", GIM_EXTENSION, [SAND], [60])])
    document = json.loads(sidecar.read_text())
    document["threshold"] = 5
    sidecar.write_text(json.dumps(document))
    result = safe_cli(cli, "decode", sidecar)
    assert result.code == 2 and result.err == f"error: {sidecar}: threshold 5 is not between 1 and the 3 owner(s)\n"


def test_the_safe_library_added_for_these_commands_stays_free_of_web3():
    modules = ["sidecar", "decoding", "flags", "storage", "revert_codes"]
    code = "import sys\n" + "".join(f"import indexops.safe.{m}\n" for m in modules) + "assert 'web3' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
