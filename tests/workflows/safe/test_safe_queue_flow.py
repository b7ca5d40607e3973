"""The Transaction Service queue of the sandbox's 2-of-3 Safe (owners: anvil accounts 4, 5, 6), through the CLI
only, against a service stand-in that validates as the real one does and the real Safe 1.3.0 contracts: one owner
proposes, a second confirms, a third rejects another nonce, and the queue executes in order, checked on chain."""

from __future__ import annotations

from pathlib import Path

import pytest
from eth_utils import keccak

pytestmark = pytest.mark.chain

EXECUTION_SUCCESS = keccak(text="ExecutionSuccess(bytes32,uint256)")


def export(safe_cli, plan: Path, out: Path, *extra) -> dict:
    result = safe_cli("export", plan, "--multisend", "--out", out, "--json", *extra)
    assert result.code == 0, result.err
    return result.json()


def propose_signed(safe_cli, exported: dict, account: str, service: str, *extra) -> str:
    signed = safe_cli("sign", exported["sidecar"], "--account", account)
    assert signed.code == 0, signed.err
    proposed = safe_cli("propose", exported["sidecar"], "--service", service, "--json", *extra)
    assert proposed.code == 0, proposed.err
    (item,) = proposed.json()["proposed"]
    return item["safe_tx_hash"]


def pending(safe_cli, safe: str, service: str) -> list[dict]:
    result = safe_cli("pending", safe, "--service", service, "--json")
    assert result.code == 0, result.err
    return result.json()["transactions"]


def executed_hashes(w3, safe: str, from_block: int) -> list[str]:
    logs = w3.eth.get_logs({"fromBlock": from_block, "address": safe, "topics": ["0x" + EXECUTION_SUCCESS.hex()]})
    return ["0x" + bytes(log["data"])[:32].hex() for log in logs]


def one_line(result) -> str:
    assert result.code != 0 and result.err.count("\n") == 1, (result.code, result.err)
    return result.err


def test_one_proposes_a_second_confirms_a_third_rejects_and_the_queue_executes_in_order(
    safe_cli, w3, book, real, standin, mvi_plan, tmp_path
):
    safe = real("GnosisSafe", book["safe"]["safe"])
    owners = book["accounts"]["safe_owners"]  # accounts 4, 5, 6
    start = w3.eth.block_number

    first = export(safe_cli, mvi_plan, tmp_path / "first", "--service", standin.url)
    assert (first["nonce_source"], first["transactions"][0]["nonce"]) == ("chain", 0)
    setup = propose_signed(safe_cli, first, "4", standin.url)
    second = export(safe_cli, mvi_plan, tmp_path / "second", "--service", standin.url)
    assert (second["nonce_source"], second["transactions"][0]["nonce"]) == ("queue", 1)  # the next free nonce
    again = propose_signed(safe_cli, second, "4", standin.url)

    queue = pending(safe_cli, safe.address, standin.url)
    assert [(tx["nonce"], tx["safe_tx_hash"], tx["valid"], tx["executable"]) for tx in queue] == [
        (0, setup, 1, False), (1, again, 1, False)]
    assert queue[0]["status"] == "needs 1 more signature(s)" and queue[0]["not_signed"] == owners[1:]
    calls = queue[0]["review"]["calls"]
    assert calls and all(call["target"] for call in calls)  # decoded with the products file's names

    confirmed = safe_cli("confirm", setup, "--service", standin.url, "--account", "5", "--yes", "--json")
    assert confirmed.code == 0, confirmed.err
    assert confirmed.json()["confirmed"]["signers"] == [owners[0], owners[1]]
    assert confirmed.json()["review"]["transactions"][0]["safe_tx_hash"] == setup

    rejected = safe_cli("reject", "1", "--service", standin.url, "--account", "6", "--json")
    assert rejected.code == 0, rejected.err
    rejection = rejected.json()["rejected"]["safe_tx_hash"]
    assert rejected.json()["rejected"]["replaces"] == [again]

    queue = pending(safe_cli, safe.address, standin.url)
    by_hash = {tx["safe_tx_hash"]: tx for tx in queue}
    assert [tx["nonce"] for tx in queue] == [0, 1, 1]
    assert by_hash[setup]["executable"] and by_hash[setup]["status"] == "executable now"
    assert by_hash[rejection]["rejection"] and by_hash[rejection]["status"] == "waits for nonce 0; needs 1 more signature(s)"
    assert {c["owner"]: c["valid"] for c in by_hash[setup]["confirmations"]} == {owners[0]: True, owners[1]: True}

    too_early = safe_cli("exec", rejection, "--service", standin.url, "--account", "4", "--yes")
    assert "the SafeTx with nonce 1 is queued: the Safe's next nonce is 0" in one_line(too_early)
    assert safe.functions.nonce().call() == 0

    executed = safe_cli("exec", setup, "--service", standin.url, "--account", "6", "--yes", "--json")
    assert executed.code == 0, executed.err
    assert executed.json()["executed"][0]["sender_approved"] is False
    assert safe.functions.nonce().call() == 1

    # the rejection has one signature (6's); account 4, an owner who has not signed it, makes up the threshold
    voided = safe_cli("exec", rejection, "--service", standin.url, "--account", "4", "--yes", "--json")
    assert voided.code == 0, voided.err
    assert voided.json()["executed"][0]["sender_approved"] is True
    assert safe.functions.nonce().call() == 2
    assert executed_hashes(w3, safe.address, start) == [setup, rejection]  # in nonce order, on chain

    late = safe_cli("exec", again, "--service", standin.url, "--account", "5", "--yes")
    assert "the SafeTx with nonce 1 can no longer execute: the Safe's nonce is already 2" in one_line(late)
    assert pending(safe_cli, safe.address, standin.url) == []


def test_approved_hash_and_contract_signatures_made_from_the_cli_execute(
    safe_cli, w3, book, real, standin, mvi_plan, nested, tmp_path
):
    safe = real("GnosisSafe", book["safe"]["safe"])
    exported = export(safe_cli, mvi_plan, tmp_path / "one", "--service", standin.url)
    sidecar = exported["sidecar"]
    signed = safe_cli("sign", sidecar, "--as-owner", nested, "--account", "7", "--json")
    assert signed.code == 0, signed.err
    (added,) = signed.json()["added"]
    assert (added["owner"], added["kind"]) == (nested, "contract") and "accepted by the owner Safe" in added["note"]
    proposed = safe_cli("propose", sidecar, "--service", standin.url, "--json")  # the service checks EIP-1271 itself
    assert proposed.code == 0, proposed.err
    digest = proposed.json()["proposed"][0]["safe_tx_hash"]

    approved = safe_cli("confirm", digest, "--service", standin.url, "--account", "5", "--approve-hash", "--yes", "--json")
    assert approved.code == 0, approved.err
    owner5 = book["accounts"]["safe_owners"][1]
    assert safe.functions.approvedHashes(owner5, digest).call() == 1
    (tx,) = pending(safe_cli, safe.address, standin.url)
    assert {c["owner"]: (c["kind"], c["valid"]) for c in tx["confirmations"]} == {
        nested: ("contract", True), owner5: ("approved_hash", True)}
    assert tx["executable"]

    stranger = safe_cli("exec", digest, "--service", standin.url, "--account", "9", "--yes", "--json")
    assert stranger.code == 0, stranger.err
    assert safe.functions.nonce().call() == 1

    # a contract signature posted as a confirmation of a queued SafeTx
    later = export(safe_cli, mvi_plan, tmp_path / "two", "--service", standin.url)
    assert later["transactions"][0]["nonce"] == 1
    queued = propose_signed(safe_cli, later, "6", standin.url)
    as_contract = safe_cli("confirm", queued, "--service", standin.url, "--as-owner", nested, "--account", "7", "--yes",
                           "--json")
    assert as_contract.code == 0, as_contract.err
    assert as_contract.json()["confirmed"]["kind"] == "contract"
    assert safe_cli("exec", queued, "--service", standin.url, "--account", "9", "--yes").code == 0
    assert safe.functions.nonce().call() == 2


def test_the_sidecar_combines_an_approved_hash_and_a_contract_signature(safe_cli, w3, book, real, mvi_plan, nested,
                                                                       tmp_path):
    safe = real("GnosisSafe", book["safe"]["safe"])
    sidecar = export(safe_cli, mvi_plan, tmp_path)["sidecar"]
    approved = safe_cli("sign", sidecar, "--approve-hash", "--account", "6", "--json")
    assert approved.code == 0, approved.err
    assert approved.json()["added"][0]["note"].startswith("approved in 0x")
    assert safe_cli("sign", sidecar, "--as-owner", nested, "--account", "7").code == 0
    decoded = safe_cli("decode", sidecar, "--json")
    kinds = {s["owner"]: s["kind"] for s in decoded.json()["transactions"][0]["signatures"]}
    assert kinds == {book["accounts"]["safe_owners"][2]: "approved_hash", nested: "contract"}
    assert safe_cli("exec", sidecar, "--account", "9", "--yes").code == 0
    assert safe.functions.nonce().call() == 1


def test_what_the_queue_verbs_refuse_before_anything_is_posted_or_sent(safe_cli, w3, book, real, standin, mvi_plan,
                                                                      tmp_path):
    safe = real("GnosisSafe", book["safe"]["safe"])
    exported = export(safe_cli, mvi_plan, tmp_path / "one", "--service", standin.url)
    digest = propose_signed(safe_cli, exported, "4", standin.url)
    posts = len(standin.posts())

    gap = safe_cli("export", mvi_plan, "--multisend", "--out", tmp_path / "gap", "--service", standin.url, "--nonce", "3")
    assert "--nonce 3 would leave nonce 1 to 2 unused" in one_line(gap)
    nothing = safe_cli("reject", "4", "--service", standin.url, "--account", "6")
    assert "--nonce 4 would leave nonce 1 to 3 unused" in one_line(nothing)
    stranger = safe_cli("confirm", digest, "--service", standin.url, "--account", "8", "--yes")
    assert f"signer {w3.eth.accounts[8]} is not an owner of the Safe" in one_line(stranger)
    twice = safe_cli("confirm", digest, "--service", standin.url, "--account", "4", "--yes")
    assert "has already confirmed" in one_line(twice)
    unknown = safe_cli("confirm", "0x" + "ab" * 32, "--service", standin.url, "--account", "5", "--yes")
    assert "has no multisig transaction 0x" + "ab" * 32 in one_line(unknown)

    # a second SafeTx at the queued nonce 0: refused unless it is meant to replace it
    other = safe_cli("export", mvi_plan, "--out", tmp_path / "other", "--json")  # one SafeTx per call, from nonce 0
    assert other.code == 0, other.err
    other = other.json()
    count = len(other["transactions"])
    assert count > 1 and other["transactions"][0]["nonce"] == 0
    assert safe_cli("sign", other["sidecar"], "--account", "5").code == 0
    taken = safe_cli("propose", other["sidecar"], "--service", standin.url)
    assert f"nonce 0 is already queued at the service ({digest}): export again with --service to take the next " \
           "free nonce (1), or pass --replace" in one_line(taken)
    assert len(standin.posts()) == posts
    replaced = safe_cli("propose", other["sidecar"], "--service", standin.url, "--replace", "--json")
    assert replaced.code == 0, replaced.err
    assert [item["replaces"] for item in replaced.json()["proposed"]] == [[digest]] + [[]] * (count - 1)
    assert [tx["nonce"] for tx in pending(safe_cli, safe.address, standin.url)] == [0, *range(count)]
    posts = len(standin.posts())

    # the service's fields no longer hash to its safeTxHash
    standin.transactions[digest].fields["value"] = 1
    refused = safe_cli("confirm", digest, "--service", standin.url, "--account", "5", "--yes")
    assert f"safeTxHash mismatch: given {digest}, but the service's fields hash to 0x" in one_line(refused)
    listed = safe_cli("pending", safe.address, "--service", standin.url, "--json")
    assert listed.code == 1 and "1 queued transaction(s) do not hash to the safeTxHash" in listed.err
    flagged = {tx["safe_tx_hash"]: tx for tx in listed.json()["transactions"]}[digest]
    assert not flagged["hash_matches"] and flagged["review"] is None and not flagged["executable"]
    assert "safeTxHash mismatch" in one_line(safe_cli("exec", digest, "--service", standin.url, "--account", "4",
                                                      "--yes"))
    assert len(standin.posts()) == posts and safe.functions.nonce().call() == 0


def test_a_service_for_another_chain_is_refused_before_any_read_or_post(safe_cli, sandbox, w3, book, mvi_plan,
                                                                       tmp_path):
    pytest.importorskip("safe_eth")
    from tests.safe.service_standin import StandInService

    mainnet = StandInService(sandbox.running.rpc_url, 31337, served_chain_id=1).start()
    try:
        exported = export(safe_cli, mvi_plan, tmp_path)
        assert safe_cli("sign", exported["sidecar"], "--account", "4").code == 0
        message = f"the Safe Transaction Service at {mainnet.url} serves chain 1, but the Safe is on chain 31337"
        for result in (safe_cli("propose", exported["sidecar"], "--service", mainnet.url),
                       safe_cli("pending", book["safe"]["safe"], "--service", mainnet.url),
                       safe_cli("reject", "0", "--service", mainnet.url, "--account", "4"),
                       safe_cli("export", mvi_plan, "--out", tmp_path / "x", "--service", mainnet.url)):
            assert message in one_line(result) and result.code == 2
        assert {request["path"] for request in mainnet.requests} == {"/api/v1/about/ethereum-rpc/"}
    finally:
        mainnet.stop()
