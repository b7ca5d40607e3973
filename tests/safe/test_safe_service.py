"""Safe Transaction Service client against a local HTTP server, and the in-memory stand-in."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from eth_account import Account

from indexops.safe.errors import (
    SafeTxHashMismatch,
    SenderNotSigner,
    ServiceAnswerMalformed,
    ServiceError,
    ServiceUnavailable,
)
from indexops.safe.safe_view import SafeView, differences
from indexops.safe.safetx import SafeTx, safe_tx_hash
from indexops.safe.service import (
    HttpTransactionService,
    InMemoryTransactionService,
    display_service_url,
    hosted_service_url,
    proposal_body,
)
from indexops.safe.signatures import sign_safe_tx
from indexops.values import InvalidValue

ALICE, BOB, MALLORY = (Account.from_key("0x" + f"{i:02x}" * 32) for i in (0x11, 0x22, 0x44))
SAFE_LOWER = "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"
SAFE = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
TX = SafeTx(safe=SAFE_LOWER, chain_id=1, safe_version="1.3.0", to="0x2222222222222222222222222222222222222222",
            value=10**30, data=b"\x12\x34", operation=0, safe_tx_gas=21000, nonce=42)
HASH = safe_tx_hash(TX)
EXPECTED_KEYS = {"to", "value", "data", "operation", "safeTxGas", "baseGas", "gasPrice", "gasToken", "refundReceiver",
                 "nonce", "contractTransactionHash", "sender", "signature", "origin"}


class Recorder:
    def __init__(self):
        self.requests = []
        self.status = 201
        self.body = b""
        self.headers = {}
        self.delay = 0.0


@pytest.fixture
def server():
    recorder = Recorder()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            recorder.requests.append({"method": "GET", "path": self.path, "headers": dict(self.headers)})
            self.send_response(recorder.status)
            self.send_header("Content-Length", str(len(recorder.body)))
            self.end_headers()
            self.wfile.write(recorder.body)

        def do_POST(self):  # noqa: N802
            length = int(self.headers.get("Content-Length", 0))
            recorder.requests.append({"path": self.path, "headers": dict(self.headers),
                                      "body": json.loads(self.rfile.read(length) or b"null")})
            time.sleep(recorder.delay)
            self.send_response(recorder.status)
            for name, value in recorder.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(recorder.body)))
            self.end_headers()
            self.wfile.write(recorder.body)

        def log_message(self, *args):
            pass

    class QuietServer(ThreadingHTTPServer):
        def handle_error(self, request, client_address):
            pass  # the client hanging up first (timeout test) is expected

    httpd = QuietServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    recorder.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield recorder
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


def test_propose_posts_exact_path_and_keys(server):
    service = HttpTransactionService(server.url + "/", api_key="test-api-key")
    signature = sign_safe_tx(TX, ALICE)
    service.propose(TX, HASH, ALICE.address.lower(), signature.static, origin="indexops test")
    (request,) = server.requests
    assert request["path"] == f"/api/v2/safes/{SAFE}/multisig-transactions/"
    body = request["body"]
    assert set(body) == EXPECTED_KEYS
    assert body == {
        "to": TX.to, "value": str(10**30), "data": "0x1234", "operation": 0, "safeTxGas": "21000", "baseGas": "0",
        "gasPrice": "0", "gasToken": "0x" + "0" * 40, "refundReceiver": "0x" + "0" * 40, "nonce": 42,
        "contractTransactionHash": "0x" + HASH.hex(), "sender": ALICE.address,
        "signature": "0x" + signature.static.hex(), "origin": "indexops test",
    }
    assert request["headers"]["Authorization"] == "Bearer test-api-key"
    assert request["headers"]["Content-Type"] == "application/json"


def test_confirm_posts_signature(server):
    service = HttpTransactionService(server.url)
    signature = sign_safe_tx(TX, BOB)
    service.confirm(HASH, signature.static)
    (request,) = server.requests
    assert request["path"] == f"/api/v1/multisig-transactions/0x{HASH.hex()}/confirmations/"
    assert request["body"] == {"signature": "0x" + signature.static.hex()}
    assert "Authorization" not in request["headers"]


def test_service_error_text_surfaces_verbatim(server):
    server.status = 422
    server.body = b'{"nonFieldErrors":["Contract-transaction-hash=0xabc does not match provided contract-tx-hash=0xdef"]}'
    service = HttpTransactionService(server.url)
    with pytest.raises(ServiceError) as caught:
        service.confirm(HASH, sign_safe_tx(TX, BOB).static)
    assert caught.value.status == 422
    assert server.body.decode() in str(caught.value)
    assert "\n" not in str(caught.value)


def test_redirects_are_not_followed(server):
    server.status = 301
    server.headers = {"Location": "http://127.0.0.1:9/elsewhere"}
    with pytest.raises(ServiceError, match="HTTP 301"):
        HttpTransactionService(server.url, api_key="k").confirm(HASH, sign_safe_tx(TX, BOB).static)
    assert len(server.requests) == 1


def test_timeout_is_bounded_and_enforced(server):
    for bad in (0, -1, 121):
        with pytest.raises(InvalidValue, match="timeout"):
            HttpTransactionService(server.url, timeout=bad)
    server.delay = 0.6
    started = time.monotonic()
    with pytest.raises(ServiceUnavailable):
        HttpTransactionService(server.url, timeout=0.15).confirm(HASH, sign_safe_tx(TX, BOB).static)
    assert time.monotonic() - started < 0.5


def test_unreachable_service():
    with pytest.raises(ServiceUnavailable, match="could not be reached"):
        HttpTransactionService("http://127.0.0.1:9", timeout=2).confirm(HASH, sign_safe_tx(TX, BOB).static)


def test_api_key_not_in_repr():
    service = HttpTransactionService("https://api.safe.global/tx-service/eth", api_key="very-secret-key")
    assert "very-secret-key" not in repr(service)
    assert hosted_service_url("arb1") == "https://api.safe.global/tx-service/arb1"
    with pytest.raises(InvalidValue):
        hosted_service_url("../x")
    with pytest.raises(InvalidValue):
        HttpTransactionService("api.safe.global")


def test_proposal_checked_before_sending():
    signature = sign_safe_tx(TX, ALICE).static
    with pytest.raises(SafeTxHashMismatch):
        proposal_body(TX, b"\x00" * 32, ALICE.address, signature)
    with pytest.raises(SenderNotSigner, match="must be one of the signers"):
        proposal_body(TX, HASH, BOB.address, signature)
    assert proposal_body(TX.replace(data=b""), safe_tx_hash(TX.replace(data=b"")), ALICE.address,
                         sign_safe_tx(TX.replace(data=b""), ALICE).static)["data"] is None


def test_in_memory_service_collects_confirmations():
    service = InMemoryTransactionService(owners={SAFE_LOWER: [ALICE.address, BOB.address]})
    service.propose(TX, HASH, ALICE.address, sign_safe_tx(TX, ALICE).static)
    service.confirm(HASH, sign_safe_tx(TX, BOB).static)
    proposal = service.get(HASH)
    assert proposal.safe_tx == TX and proposal.sender == ALICE.address
    assert set(proposal.signatures) == {ALICE.address, BOB.address}
    assert service.pending(SAFE) == [proposal]


def test_in_memory_service_refuses_like_the_service():
    service = InMemoryTransactionService(owners={SAFE: [ALICE.address, BOB.address]})
    with pytest.raises(ServiceError, match="HTTP 404"):
        service.confirm(HASH, sign_safe_tx(TX, BOB).static)
    with pytest.raises(ServiceError, match="not an owner"):
        service.propose(TX, HASH, MALLORY.address, sign_safe_tx(TX, MALLORY).static)
    service.propose(TX, HASH, ALICE.address, sign_safe_tx(TX, ALICE).static)
    with pytest.raises(ServiceError, match="not an owner"):
        service.confirm(HASH, sign_safe_tx(TX, MALLORY).static)
    doubled = sign_safe_tx(TX, BOB).static * 2
    with pytest.raises(ServiceError, match="duplicated"):
        service.confirm(HASH, doubled)


SINGLETON = "0xd9Db270c1B5E3Bd161E8c8503c55cEABeE709552"
VIEW = SafeView(address=SAFE, nonce=42, threshold=2, owners=(ALICE.address, BOB.address), master_copy=SINGLETON)


def test_describe_safe_reads_the_services_view(server):
    server.status = 200
    server.body = json.dumps({"address": SAFE, "nonce": "42", "threshold": 2, "owners": [ALICE.address, BOB.address],
                              "masterCopy": SINGLETON.lower(), "modules": [], "version": "1.3.0+L2"}).encode()
    service = HttpTransactionService(server.url, api_key="k")
    assert service.describe_safe(SAFE_LOWER) == VIEW
    (request,) = server.requests
    assert (request["method"], request["path"]) == ("GET", f"/api/v1/safes/{SAFE}/")
    assert request["headers"]["Authorization"] == "Bearer k"
    server.body = server.body.replace(b'"42"', b"42")
    assert service.describe_safe(SAFE) == VIEW


def test_describe_safe_unknown_malformed_or_failing(server):
    service = HttpTransactionService(server.url)
    server.status, server.body = 404, b'{"detail":"Not found."}'
    assert service.describe_safe(SAFE) is None
    server.status = 200
    for body in (b"<html>", b"[]", json.dumps({"address": SAFE, "nonce": -1}).encode()):
        server.body = body
        with pytest.raises(ServiceAnswerMalformed, match="not a Safe's description"):
            service.describe_safe(SAFE)
    server.status, server.body = 500, b"oops"
    with pytest.raises(ServiceError, match="refused to describe the Safe \\(HTTP 500\\): oops"):
        service.describe_safe(SAFE)


def test_differences_name_each_field():
    assert differences(VIEW, VIEW) == []
    other = SafeView(address=SAFE, nonce=1, threshold=1, owners=(ALICE.address, MALLORY.address), master_copy=SAFE)
    assert differences(other, VIEW) == [
        f"owners differ (only the service lists {MALLORY.address} and only the chain has {BOB.address})",
        "threshold 1 there, 2 on chain", "nonce 1 there, 42 on chain", f"masterCopy {SAFE} there, {SINGLETON} on chain",
    ]
    assert InMemoryTransactionService(safes=[VIEW]).describe_safe(SAFE_LOWER) == VIEW
    assert InMemoryTransactionService().describe_safe(SAFE) is None


def test_service_url_is_shown_without_credentials_or_query():
    assert display_service_url("https://user:secret@api.example/tx-service/eth/?key=abc") == "https://api.example/tx-service/eth"
    service = HttpTransactionService("http://u:p@127.0.0.1:9/base?token=t", timeout=2)
    assert service.display_url == "http://127.0.0.1:9/base"
    with pytest.raises(ServiceUnavailable) as caught:
        service.describe_safe(SAFE)
    assert "secret" not in str(caught.value) and "token" not in str(caught.value) and ":p@" not in str(caught.value)
