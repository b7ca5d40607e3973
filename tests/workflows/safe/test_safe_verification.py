"""What `indexops safe` checks before anyone signs or sends: hashes against the deployed Safe, signature sets,
the batch checksum, edits, files for the wrong chain or Safe, non-owners, malformed files, and the service."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from eth_utils import keccak

from indexops.chain.calldata import encode_call
from indexops.cli.app import main
from indexops.errors import UsageError
from indexops.plans import load_plan
from indexops.routes.calls import function_fragment
from indexops.safe.independent_hash import recompute_safe_tx_hash
from indexops.safe.multisend import MultiSendCall, multisend_safe_tx
from indexops.safe.safetx import SafeTx, safe_tx_hash
from indexops.safe.sidecar import dump_sidecar, load_sidecar
from indexops.safe.signature_check import check_signatures
from indexops.safe.signatures import encode_signatures, sign_safe_tx
from indexops.safe.txbuilder import batch_checksum, dump_batch
from indexops.signing import anvil_signer
from indexops.workflows.safe.files import file_keccak
from tests.paths import SHIPPED_PRODUCTS
from tests.safe import txbuilder_app

pytestmark = pytest.mark.chain

PROPOSAL_KEYS = {"to", "value", "data", "operation", "safeTxGas", "baseGas", "gasPrice", "gasToken", "refundReceiver",
                 "nonce", "contractTransactionHash", "sender", "signature", "origin"}


@pytest.fixture(scope="module")
def exported(sandbox, tmp_path_factory) -> Path:
    """An mvi plan and its --multisend Safe export, made once; tests work on copies."""
    directory = tmp_path_factory.mktemp("safe-export")
    plan_path = directory / "mvi.plan.json"
    config = str(SHIPPED_PRODUCTS)
    assert main(["plan", "mvi", "--config", config, "--gas-price", "30", "--out", str(plan_path), "--json"]) == 0
    assert main(["safe", "export", str(plan_path), "--multisend", "--config", config, "--json"]) == 0
    return directory


@dataclasses.dataclass
class Files:
    plan: Path
    batch: Path
    sidecar: Path

    def sidecar_json(self) -> dict:
        return json.loads(self.sidecar.read_text())

    def batch_json(self) -> dict:
        return json.loads(self.batch.read_text())


@pytest.fixture
def files(exported, tmp_path) -> Files:
    copy = tmp_path / "export"
    shutil.copytree(exported, copy)
    (sidecar,) = copy.glob("*.safetx.json")
    return Files(copy / "mvi.plan.json", copy / sidecar.name.replace(".safetx.json", ".json"), sidecar)


def safe_cli(cli, verb, path, *extra):
    return cli("safe", verb, path, "--config", SHIPPED_PRODUCTS, *extra)


def one_line_error(result) -> str:
    assert result.code != 0 and result.out == ""
    assert result.err.count("\n") == 1 and result.err.startswith("error: "), result.err
    return result.err


def reference_checksum(batch: dict) -> str:
    """The Transaction Builder's checksum, written from the reference alone."""

    def serialize(value) -> str:
        if isinstance(value, list):
            return "[" + ",".join(serialize(item) for item in value) + "]"
        if isinstance(value, dict):
            keys = sorted(value)
            return "{" + json.dumps(keys, separators=(",", ":")) + "".join(serialize(value[k]) + "," for k in keys) + "}"
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)

    meta = {k: v for k, v in batch["meta"].items() if k != "checksum"} | {"name": None}
    return "0x" + keccak(serialize({**batch, "meta": meta}).encode()).hex()


def on_chain_hash(safe, tx: SafeTx) -> bytes:
    return bytes(safe.functions.getTransactionHash(
        tx.to, tx.value, tx.data, tx.operation, tx.safe_tx_gas, tx.base_gas, tx.gas_price, tx.gas_token,
        tx.refund_receiver, tx.nonce,
    ).call())


# ---- hashes and signatures against the deployed Safe ------------------------------------------------

def test_safe_tx_hash_equals_the_deployed_safes_for_several_nonces_and_payloads(w3, book, real, files):
    safe = real("GnosisSafe", book["safe"]["safe"])
    version = safe.functions.VERSION().call()
    common = {"safe": safe.address, "chain_id": 31337, "safe_version": version}
    token, owner = book["tokens"]["MANA"], book["accounts"]["safe_owners"][0]
    calls = [MultiSendCall(to=token, data=bytes.fromhex("095ea7b3") + bytes(64)), MultiSendCall(to=owner, value=10**18)]
    transactions = [
        SafeTx(to=owner, value=1, nonce=0, **common),
        SafeTx(to=token, data=b"\x01\x02\x03", nonce=1, safe_tx_gas=50_000, base_gas=21_000, gas_price=7,
               gas_token=token, refund_receiver=owner, **common),
        SafeTx(to=token, data=bytes(range(200)), operation=1, nonce=2**64, **common),
        multisend_safe_tx(calls, multisend=book["safe"]["multisend_call_only"], nonce=5, **common),
        load_sidecar(files.sidecar.read_text()).transactions[0].safe_tx,
    ]
    for tx in transactions:
        assert safe_tx_hash(tx) == recompute_safe_tx_hash(tx) == on_chain_hash(safe, tx), tx.nonce


def test_a_signature_set_missing_duplicated_or_unsorted_is_refused(cli, w3, book, real, files):
    safe = real("GnosisSafe", book["safe"]["safe"])
    entry = load_sidecar(files.sidecar.read_text()).transactions[0]
    owners, digest = safe.functions.getOwners().call(), entry.safe_tx_hash
    first, second = sorted((sign_safe_tx(entry.safe_tx, anvil_signer(n).sign_typed_data) for n in (4, 5)),
                           key=lambda s: int(s.owner, 16))
    cases = {
        "sorted": ([first, second], None, None),
        "missing": ([first], "need 2 owner signature(s) to meet the threshold, got 1", "GS020"),
        "duplicated": ([first, first], f"owner {first.owner} signed more than once", "GS026"),
        "out of order": ([second, first], "signatures are not sorted by owner", "GS026"),
    }
    for name, (signatures, message, code) in cases.items():
        blob = encode_signatures(signatures)
        if message is None:
            check_signatures(blob, digest, owners, 2)
            safe.functions.checkSignatures(digest, b"", blob).call()
            continue
        with pytest.raises(UsageError, match=re.escape(message)):
            check_signatures(blob, digest, owners, 2)
        with pytest.raises(Exception, match=code):  # the contract agrees
            safe.functions.checkSignatures(digest, b"", blob).call()

    executor = w3.eth.accounts[8]  # not an owner: its own approval cannot make up a missing signature
    sent_before = w3.eth.get_transaction_count(executor)
    document = files.sidecar_json()
    document["transactions"][0]["signatures"] = [{"owner": first.owner, "kind": "eip712", "signature": first.hex()}]
    files.sidecar.write_text(json.dumps(document))
    refused = safe_cli(cli, "exec", files.sidecar, "--account", "8", "--yes")
    assert "need 2 owner signature(s) to meet the threshold, got 1" in one_line_error(refused)
    document["transactions"][0]["signatures"] *= 2
    files.sidecar.write_text(json.dumps(document))
    refused = safe_cli(cli, "exec", files.sidecar, "--account", "8", "--yes")
    assert f"owner {first.owner} signed more than once" in one_line_error(refused)
    assert safe.functions.nonce().call() == 0 and w3.eth.get_transaction_count(executor) == sent_before


# ---- the batch file and edits -----------------------------------------------------------------------

def test_the_exported_batch_is_what_the_transaction_builder_imports(files, book):
    batch = files.batch_json()
    assert batch["meta"]["checksum"] == reference_checksum(batch)
    assert batch["chainId"] == "31337" and batch["version"] == "1.0"
    assert batch["meta"]["createdFromSafeAddress"] == book["safe"]["safe"]
    assert batch["meta"]["txBuilderVersion"] == "1.18.3"
    assert isinstance(batch["createdAt"], int)
    operator_steps = [step for step in load_plan(files.plan).steps if step.signer_role == "operator"]
    assert len(batch["transactions"]) == len(operator_steps) == 2
    for entry, step in zip(batch["transactions"], operator_steps):
        # shown by the app as the function with its arguments, not as "Custom hex data"
        assert entry["data"] is None and entry["to"] == step.to and entry["value"] == str(step.value)
        assert entry["contractMethod"]["name"] == step.function.split("(")[0]
        assert all(isinstance(value, str) for value in entry["contractInputsValues"].values())
        for value in entry["contractInputsValues"].values():
            if value.startswith("["):
                assert all(isinstance(item, str) for item in json.loads(value))
        # what the app encodes from the method and its inputs is exactly the plan's calldata
        assert "0x" + txbuilder_app.app_calldata(entry["contractMethod"], entry["contractInputsValues"]).hex() == step.data


def _change_one_digit(batch):
    values = batch["transactions"][0]["contractInputsValues"]
    values["_tradeMaximums"] = values["_tradeMaximums"].replace("0", "1", 1)


def _add_the_same_call_as_data(batch):
    entry = batch["transactions"][0]
    entry["data"] = "0x" + txbuilder_app.app_calldata(entry["contractMethod"], entry["contractInputsValues"]).hex()


BATCH_EDITS = {
    "one digit of an amount": _change_one_digit,
    "data beside the method, even the same call": _add_the_same_call_as_data,
    "a value": lambda batch: batch["transactions"][1].update(value="1"),
    "a method name": lambda batch: batch["transactions"][0]["contractMethod"].update(name="setTradeMinimums"),
    "an input value": lambda batch: batch["transactions"][1]["contractInputsValues"].update(_positionMultiplier="2"),
    "the chain": lambda batch: batch.update(chainId="1"),
}


@pytest.mark.parametrize("edit", BATCH_EDITS, ids=list(BATCH_EDITS))
def test_any_edit_to_the_batch_makes_decode_fail(cli, files, edit):
    batch = files.batch_json()
    BATCH_EDITS[edit](batch)
    files.batch.write_text(dump_batch(batch))
    assert "checksum mismatch" in one_line_error(safe_cli(cli, "decode", files.batch))
    files.sidecar.unlink()  # the checksum alone catches it too
    assert "checksum mismatch" in one_line_error(safe_cli(cli, "decode", files.batch))


def test_edits_outside_the_checksum_and_edits_to_the_sidecar_fail_too(cli, files, book):
    original_batch, original_sidecar = files.batch.read_text(), files.sidecar.read_text()
    batch = files.batch_json()
    batch["meta"]["name"] = "something else"  # the app's checksum leaves the name out; the sidecar's record does not
    files.batch.write_text(dump_batch(batch))
    assert "edited after export" in one_line_error(safe_cli(cli, "decode", files.sidecar))
    files.batch.write_text(original_batch)

    for key, value in (("nonce", "1"), ("value", "5"), ("operation", 0), ("to", book["tokens"]["MANA"])):
        document = json.loads(original_sidecar)
        document["transactions"][0]["safeTx"][key] = value
        files.sidecar.write_text(json.dumps(document))
        assert "safeTxHash mismatch" in one_line_error(safe_cli(cli, "decode", files.sidecar)), key

    files.sidecar.write_text(original_sidecar)
    assert safe_cli(cli, "sign", files.sidecar, "--account", "4").code == 0
    document = files.sidecar_json()
    recorded = document["transactions"][0]["signatures"][0]
    digit = recorded["signature"][10]
    recorded["signature"] = recorded["signature"][:10] + ("0" if digit != "0" else "1") + recorded["signature"][11:]
    files.sidecar.write_text(json.dumps(document))
    assert "not the recorded owner" in one_line_error(safe_cli(cli, "decode", files.sidecar))


# ---- bad input: nothing sent ------------------------------------------------------------------------

def rewrite_for_chain(files: Files, chain_id: int) -> None:
    """The export as if made for another chain: consistent in itself, checksum and hashes included."""
    batch = files.batch_json() | {"chainId": str(chain_id)}
    batch["meta"]["checksum"] = batch_checksum(batch)
    text = dump_batch(batch)
    files.batch.write_text(text)
    file = load_sidecar(files.sidecar.read_text())
    entries = tuple(
        dataclasses.replace(e, safe_tx=e.safe_tx.replace(chain_id=chain_id), signatures=(), batch_file_keccak=file_keccak(text))
        for e in file.transactions
    )
    files.sidecar.write_text(dump_sidecar(dataclasses.replace(file, chain_id=chain_id, transactions=entries)))


def test_bad_input_is_refused_in_one_line_and_nothing_is_sent(cli, w3, book, real, files, tmp_path):
    safe = real("GnosisSafe", book["safe"]["safe"])
    executor = book["accounts"]["safe_owners"][2]
    sent_before = w3.eth.get_transaction_count(executor)
    original_batch = files.batch.read_text()
    assert safe_cli(cli, "sign", files.sidecar, "--account", "4").code == 0
    signed = files.sidecar.read_text()

    def run_exec():
        return safe_cli(cli, "exec", files.sidecar, "--account", "6", "--yes")

    rewrite_for_chain(files, 1)
    assert "is for chain 1, but the Safe is on chain 31337" in one_line_error(run_exec())
    assert "is for chain 1, but the Safe is on chain 31337" in one_line_error(safe_cli(cli, "decode", files.batch))
    files.batch.write_text(original_batch)

    another_safe = book["accounts"]["safe_owners"][1]
    refused = cli("safe", "export", files.plan, "--safe", another_safe, "--out", tmp_path, "--config", SHIPPED_PRODUCTS)
    assert f"{another_safe} is not the operator of record of mvi on sandbox" in one_line_error(refused)
    dpi_plan = tmp_path / "dpi.plan.json"
    assert cli("plan", "dpi", "--config", SHIPPED_PRODUCTS, "--gas-price", "30", "--out", dpi_plan, "--json").code == 0
    refused = cli("safe", "export", dpi_plan, "--out", tmp_path, "--config", SHIPPED_PRODUCTS)
    assert "the operator of record of dpi on sandbox" in one_line_error(refused) and "is not a Safe" in refused.err
    assert not list(tmp_path.glob("*.safetx.json"))
    document = json.loads(signed)
    document["product"] = "dpi"
    files.sidecar.write_text(json.dumps(document))
    assert f"{safe.address} is not the operator of record of dpi" in one_line_error(run_exec())

    files.sidecar.write_text(signed)
    assert "is not an owner of the Safe" in one_line_error(safe_cli(cli, "sign", files.sidecar, "--account", "7"))
    entry = load_sidecar(signed).transactions[0]
    outsider = sign_safe_tx(entry.safe_tx, anvil_signer(7).sign_typed_data)
    refused = safe_cli(cli, "sign", files.sidecar, "--add-signature", f"{outsider.owner}:{outsider.hex()}")
    assert f"signer {outsider.owner} is not an owner of the Safe" in one_line_error(refused)
    assert files.sidecar.read_text() == signed
    document = json.loads(signed)
    document["owners"].append(outsider.owner)  # edited to pass the offline check: the chain's owners still refuse it
    document["transactions"][0]["signatures"].append({"owner": outsider.owner, "kind": "eip712", "signature": outsider.hex()})
    files.sidecar.write_text(json.dumps(document))
    assert f"signer {outsider.owner} is not an owner of the Safe" in one_line_error(run_exec())

    files.sidecar.write_text(signed[: len(signed) // 2])
    assert "not JSON" in one_line_error(run_exec())
    files.sidecar.write_text(json.dumps({"format": "something else"}))
    assert "neither a Transaction Builder batch file nor" in one_line_error(safe_cli(cli, "decode", files.sidecar))

    assert safe.functions.nonce().call() == 0
    assert w3.eth.get_transaction_count(executor) == sent_before


# ---- the Safe Transaction Service -------------------------------------------------------------------

def chain_description(w3, real, book) -> dict:
    """The Safe as the real service describes it (GET /api/v1/safes/{address}/), read from the chain."""
    safe = real("GnosisSafe", book["safe"]["safe"])
    singleton = "0x" + bytes(w3.eth.get_storage_at(safe.address, 0))[-20:].hex()
    return {
        "address": safe.address, "nonce": str(safe.functions.nonce().call()), "threshold": safe.functions.getThreshold().call(),
        "owners": safe.functions.getOwners().call(), "masterCopy": w3.to_checksum_address(singleton),
        "modules": [], "fallbackHandler": book["safe"]["fallback_handler"], "guard": "0x" + "0" * 40,
        "version": safe.functions.VERSION().call(),
    }


@pytest.fixture
def service(w3, real, book):
    """A stand-in Transaction Service: records POSTs, and describes the sandbox Safe as the chain does (editable)."""
    recorded = {"requests": [], "status": 201, "body": b"", "safes": {book["safe"]["safe"]: chain_description(w3, real, book)}}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            recorded["requests"].append({"method": "GET", "path": self.path, "headers": dict(self.headers)})
            match = re.fullmatch(r"/api/v1/safes/(0x[0-9a-fA-F]{40})/", self.path)
            known = recorded["safes"].get(match.group(1)) if match else None
            if self.path == "/api/v1/about/ethereum-rpc/":
                known = {"chain_id": 31337}
            elif "/multisig-transactions/?" in self.path:
                known = {"count": 0, "next": None, "previous": None, "results": []}
            body = json.dumps(known).encode() if known else b'{"detail":"Not found."}'
            self.send_response(200 if known else 404)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):  # noqa: N802
            length = int(self.headers.get("Content-Length", 0))
            recorded["requests"].append({"method": "POST", "path": self.path, "headers": dict(self.headers),
                                         "body": json.loads(self.rfile.read(length))})
            self.send_response(recorded["status"])
            self.send_header("Content-Length", str(len(recorded["body"])))
            self.end_headers()
            self.wfile.write(recorded["body"])

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    recorded["url"] = f"http://127.0.0.1:{server.server_address[1]}"
    yield recorded
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def posted(service) -> list[dict]:
    return [request for request in service["requests"] if request["method"] == "POST"]


def test_propose_posts_the_exact_body_then_the_second_signature_as_a_confirmation(cli, files, service, monkeypatch):
    for account in ("5", "4"):
        assert safe_cli(cli, "sign", files.sidecar, "--account", account).code == 0
    file = load_sidecar(files.sidecar.read_text())
    entry = file.transactions[0]
    first, second = sorted(entry.signatures, key=lambda s: int(s.owner, 16))
    monkeypatch.setenv("SAFE_TRANSACTION_SERVICE_API_KEY", "service-key-123")

    result = safe_cli(cli, "propose", files.sidecar, "--service", service["url"], "--json")
    assert result.code == 0, result.err
    assert "service-key-123" not in result.out + result.err
    assert {key: result.json()[key] for key in ("service", "chain_id", "network")} == {
        "service": service["url"], "chain_id": 31337, "network": "sandbox"}
    about, queue, described, proposal, confirmation = service["requests"]
    assert (about["path"], about["headers"]["Authorization"]) == ("/api/v1/about/ethereum-rpc/", "Bearer service-key-123")
    assert queue["path"].startswith(f"/api/v2/safes/{file.safe}/multisig-transactions/?executed=false&nonce__gte=0")
    assert (described["method"], described["path"]) == ("GET", f"/api/v1/safes/{file.safe}/")
    assert described["headers"]["Authorization"] == "Bearer service-key-123"
    assert proposal["path"] == f"/api/v2/safes/{file.safe}/multisig-transactions/"
    assert proposal["headers"]["Authorization"] == "Bearer service-key-123"
    tx, digest = entry.safe_tx, "0x" + entry.safe_tx_hash.hex()
    assert set(proposal["body"]) == PROPOSAL_KEYS
    assert proposal["body"] == {
        "to": tx.to, "value": "0", "data": "0x" + tx.data.hex(), "operation": 1, "safeTxGas": "0", "baseGas": "0",
        "gasPrice": "0", "gasToken": "0x" + "0" * 40, "refundReceiver": "0x" + "0" * 40, "nonce": tx.nonce,
        "contractTransactionHash": digest, "sender": first.owner, "signature": first.hex(), "origin": "indexops",
    }
    assert tx.to == file.multisend and digest == files.sidecar_json()["transactions"][0]["safeTx"]["safeTxHash"]
    assert confirmation["path"] == f"/api/v1/multisig-transactions/{digest}/confirmations/"
    assert confirmation["body"] == {"signature": second.hex()}

    shown = safe_cli(cli, "propose", files.sidecar, "--service", service["url"])
    assert shown.code == 0 and f"Proposed to {service['url']}, for chain 31337 (sandbox)" in shown.out

    service["status"], service["body"] = 422, b'{"nonFieldErrors":["Tx with nonce 0 for safe already executed"]}'
    refused = safe_cli(cli, "propose", files.sidecar, "--service", service["url"])
    assert refused.code == 1
    assert one_line_error(refused) == (
        "error: Safe Transaction Service refused to accept the proposal (HTTP 422): "
        '{"nonFieldErrors":["Tx with nonce 0 for safe already executed"]}\n'
    )


# ---- a SafeTx that would revert ---------------------------------------------------------------------

def test_a_safe_tx_that_would_revert_fails_its_simulation_and_is_not_sent(cli, w3, book, real, tmp_path):
    from indexops.chain.connection import connect
    from indexops.config.loader import load_config
    from indexops.config.selection import choose_network
    from indexops.workflows.safe.export import SafeCall, export_calls

    loaded = load_config(SHIPPED_PRODUCTS)
    where = choose_network(loaded, "sandbox")
    dpi_extension = loaded.file.products["dpi"].deployments["sandbox"].extensions["gim"]
    cool_off = encode_call(function_fragment("GIMExtension", "setCoolOffPeriods"), [[book["tokens"]["UNI"]], [60]])
    connection = connect(w3.provider.endpoint_uri, 31337)
    result = export_calls(  # the mvi Safe is not DPI's operator: GIMExtension refuses it
        connection, [SafeCall(to=dpi_extension, data=cool_off, description="set a DPI cool-off")],
        safe=book["safe"]["safe"], where=where, out_dir=tmp_path, stem="not-ours", name="not ours", product="mvi",
    )
    assert [path.name for path in result.batch_paths] == ["not-ours.json"] and result.file.transactions[0].safe_tx.nonce == 0

    simulated = safe_cli(cli, "decode", result.sidecar_path, "--simulate", "--json")
    assert simulated.code == 1 and simulated.json()["simulation"]["ok"] is False
    assert simulated.err == ("error: simulation: the SafeTx with nonce 0 fails on the fork: "
                             "GS013: the Safe transaction failed: an inner call reverted\n")
    for account in ("4", "6"):
        assert safe_cli(cli, "sign", result.sidecar_path, "--account", account).code == 0
    refused = safe_cli(cli, "exec", result.sidecar_path, "--account", "4", "--yes")
    assert "would fail: GS013: the Safe transaction failed: an inner call reverted; nothing was sent" in one_line_error(refused)
    assert real("GnosisSafe", book["safe"]["safe"]).functions.nonce().call() == 0


def other_chain(description: dict, book: dict) -> dict:
    """Another Safe at the same address, as a service for another chain could know it."""
    owners = book["accounts"]["safe_owners"]
    return description | {"owners": [owners[0], owners[1], "0x000000000000000000000000000000000000dEaD"]}


SERVICE_VIEWS = {
    "owners": (other_chain, "owners differ (only the service lists 0x000000000000000000000000000000000000dEaD and "
                            "only the chain has {owner})"),
    "threshold": (lambda d, book: d | {"threshold": 1}, "threshold 1 there, 2 on chain"),
    "nonce": (lambda d, book: d | {"nonce": 7}, "nonce 7 there, 0 on chain"),
    "masterCopy": (lambda d, book: d | {"masterCopy": book["safe"]["multisend"]}, "masterCopy {multisend} there, {singleton} on chain"),
    "two at once": (lambda d, book: d | {"threshold": "3", "nonce": "1"}, "threshold 3 there, 2 on chain; nonce 1 there, 0 on chain"),
}


@pytest.mark.parametrize("case", SERVICE_VIEWS, ids=list(SERVICE_VIEWS))
def test_propose_refuses_a_service_that_describes_the_safe_otherwise_and_posts_nothing(cli, files, service, book, case):
    assert safe_cli(cli, "sign", files.sidecar, "--account", "4").code == 0
    safe = book["safe"]["safe"]
    edit, expected = SERVICE_VIEWS[case]
    service["safes"][safe] = edit(service["safes"][safe], book)
    message = expected.format(owner=book["accounts"]["safe_owners"][2], multisend=book["safe"]["multisend"],
                              singleton=book["safe"]["singleton"])
    refused = safe_cli(cli, "propose", files.sidecar, "--service", service["url"])
    assert one_line_error(refused) == (
        f"error: the Safe Transaction Service at {service['url']} and chain 31337 (sandbox) disagree about the Safe "
        f"{safe}: {message}; nothing was posted (is it the service for this chain?)\n"
    )
    assert refused.code == 2 and posted(service) == []


def test_propose_refuses_a_service_that_does_not_know_the_safe(cli, files, service, book):
    assert safe_cli(cli, "sign", files.sidecar, "--account", "4").code == 0
    service["safes"].clear()
    refused = safe_cli(cli, "propose", files.sidecar, "--service", service["url"] + "/")
    assert one_line_error(refused) == (
        f"error: the Safe Transaction Service at {service['url']} does not know the Safe {book['safe']['safe']}, "
        "which is on chain 31337 (sandbox): nothing was posted (is it the service for this chain?)\n"
    )
    assert posted(service) == [] and {r["method"] for r in service["requests"]} == {"GET"}
