"""Safe Transaction Service client against a local HTTP server that records what it is sent."""

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
    ServiceOnOtherChain,
    ServiceUnavailable,
)
from indexops.safe.safe_view import SafeView, differences
from indexops.safe.safetx import SafeTx, safe_tx_hash
from indexops.safe.service import (
    MAX_QUEUE,
    HttpTransactionService,
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


ABOUT = "/api/v1/about/ethereum-rpc/"


class Recorder:
    """Answers every request with `status` and `body`; the service's chain question with `chain_id`."""

    def __init__(self):
        self.requests = []
        self.status = 201
        self.body = b""
        self.headers = {}
        self.delay = 0.0
        self.chain_id = 1
        self.pages = None  # GET answers in turn, for paging

    def asked(self):
        """Requests other than the chain question."""
        return [request for request in self.requests if request["path"] != ABOUT]


@pytest.fixture
def server():
    recorder = Recorder()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            recorder.requests.append({"method": "GET", "path": self.path, "headers": dict(self.headers)})
            if self.path == ABOUT:
                status, body = 200, json.dumps({"chain_id": recorder.chain_id, "chain": "MAINNET"}).encode()
            elif recorder.pages:
                status, body = 200, recorder.pages.pop(0)
            else:
                status, body = recorder.status, recorder.body
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):  # noqa: N802
            length = int(self.headers.get("Content-Length", 0))
            recorder.requests.append({"method": "POST", "path": self.path, "headers": dict(self.headers),
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
    service = HttpTransactionService(server.url + "/", 1, api_key="test-api-key")
    signature = sign_safe_tx(TX, ALICE)
    service.propose(TX, HASH, ALICE.address.lower(), signature.static, origin="indexops test")
    about, request = server.requests
    assert (about["method"], about["path"]) == ("GET", ABOUT) and about["headers"]["Authorization"] == "Bearer test-api-key"
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
    service = HttpTransactionService(server.url, 1)
    signature = sign_safe_tx(TX, BOB)
    service.confirm(HASH, signature.static)
    (request,) = server.asked()
    assert request["path"] == f"/api/v1/multisig-transactions/0x{HASH.hex()}/confirmations/"
    assert request["body"] == {"signature": "0x" + signature.static.hex()}
    assert "Authorization" not in request["headers"]


def test_service_error_text_surfaces_verbatim(server):
    server.status = 422
    server.body = b'{"nonFieldErrors":["Contract-transaction-hash=0xabc does not match provided contract-tx-hash=0xdef"]}'
    service = HttpTransactionService(server.url, 1)
    with pytest.raises(ServiceError) as caught:
        service.confirm(HASH, sign_safe_tx(TX, BOB).static)
    assert caught.value.status == 422
    assert server.body.decode() in str(caught.value)
    assert "\n" not in str(caught.value)


def test_redirects_are_not_followed(server):
    server.status = 301
    server.headers = {"Location": "http://127.0.0.1:9/elsewhere"}
    with pytest.raises(ServiceError, match="HTTP 301"):
        HttpTransactionService(server.url, 1, api_key="k").confirm(HASH, sign_safe_tx(TX, BOB).static)
    assert len(server.asked()) == 1


def test_timeout_is_bounded_and_enforced(server):
    for bad in (0, -1, 121):
        with pytest.raises(InvalidValue, match="timeout"):
            HttpTransactionService(server.url, 1, timeout=bad)
    server.delay = 0.6
    started = time.monotonic()
    with pytest.raises(ServiceUnavailable):
        HttpTransactionService(server.url, 1, timeout=0.15).confirm(HASH, sign_safe_tx(TX, BOB).static)
    assert time.monotonic() - started < 0.5


def test_unreachable_service():
    with pytest.raises(ServiceUnavailable, match="could not be reached"):
        HttpTransactionService("http://127.0.0.1:9", 1, timeout=2).confirm(HASH, sign_safe_tx(TX, BOB).static)


def test_api_key_not_in_repr():
    service = HttpTransactionService("https://api.safe.global/tx-service/eth", 1, api_key="very-secret-key")
    assert "very-secret-key" not in repr(service)
    assert hosted_service_url("arb1") == "https://api.safe.global/tx-service/arb1"
    with pytest.raises(InvalidValue):
        hosted_service_url("../x")
    with pytest.raises(InvalidValue):
        HttpTransactionService("api.safe.global", 1)


def test_proposal_checked_before_sending():
    signature = sign_safe_tx(TX, ALICE).static
    with pytest.raises(SafeTxHashMismatch):
        proposal_body(TX, b"\x00" * 32, ALICE.address, signature)
    with pytest.raises(SenderNotSigner, match="must be one of the signers"):
        proposal_body(TX, HASH, BOB.address, signature)
    assert proposal_body(TX.replace(data=b""), safe_tx_hash(TX.replace(data=b"")), ALICE.address,
                         sign_safe_tx(TX.replace(data=b""), ALICE).static)["data"] is None


def test_a_service_for_another_chain_is_refused_before_anything_is_read_or_posted(server):
    server.chain_id = 137
    service = HttpTransactionService(server.url, 1)
    for action in (lambda: service.confirm(HASH, sign_safe_tx(TX, BOB).static),
                   lambda: service.propose(TX, HASH, ALICE.address, sign_safe_tx(TX, ALICE).static),
                   lambda: service.describe_safe(SAFE), lambda: service.queue(SAFE, 0), lambda: service.transaction(HASH)):
        with pytest.raises(ServiceOnOtherChain, match="serves chain 137, but the Safe is on chain 1: nothing was read"):
            action()
    assert server.asked() == []
    with pytest.raises(ServiceOnOtherChain):  # a SafeTx for another chain than the client's, before any request
        HttpTransactionService(server.url, 137).propose(TX, HASH, ALICE.address, sign_safe_tx(TX, ALICE).static)
    assert server.asked() == []


def test_the_chain_is_asked_once_per_client(server):
    service = HttpTransactionService(server.url, 1)
    service.confirm(HASH, sign_safe_tx(TX, BOB).static)
    service.confirm(HASH, sign_safe_tx(TX, ALICE).static)
    assert [request["path"] for request in server.requests].count(ABOUT) == 1
    server.chain_id = "1"
    assert HttpTransactionService(server.url, 1).service_chain_id() == 1
    for bad in (None, -1, "x", True):
        server.chain_id = bad
        with pytest.raises(ServiceAnswerMalformed, match="not its RPC's description: chain_id is"):
            HttpTransactionService(server.url, 1).service_chain_id()


def test_queue_reads_every_page_with_the_services_filters(server):
    page = [{"nonce": n} for n in range(100)]
    server.pages = [json.dumps({"count": 130, "results": page}).encode(),
                    json.dumps({"count": 130, "results": page[:30]}).encode()]
    found = HttpTransactionService(server.url, 1).queue(SAFE_LOWER, 42)
    assert len(found) == 130
    first, second = server.asked()
    assert first["path"] == (f"/api/v2/safes/{SAFE}/multisig-transactions/"
                             "?executed=false&nonce__gte=42&ordering=nonce&limit=100&offset=0")
    assert second["path"].endswith("&offset=100")
    server.pages = [json.dumps({"count": 10**6, "results": page}).encode()] * 20
    assert len(HttpTransactionService(server.url, 1).queue(SAFE, 0)) == MAX_QUEUE  # a service that pages on forever
    for body in (b"[]", b'{"results": 3}', b'{"results": [1]}', b"<html>"):
        server.pages = [body]
        with pytest.raises(ServiceAnswerMalformed, match="not a page"):
            HttpTransactionService(server.url, 1).queue(SAFE, 0)


def test_transaction_by_hash(server):
    server.status, server.body = 200, b'{"safeTxHash": "0x01"}'
    service = HttpTransactionService(server.url, 1)
    assert service.transaction(HASH) == {"safeTxHash": "0x01"}
    assert server.asked()[-1]["path"] == f"/api/v2/multisig-transactions/0x{HASH.hex()}/"
    server.status, server.body = 404, b'{"detail":"Not found."}'
    assert service.transaction(HASH) is None
    server.status, server.body = 200, b"[]"
    with pytest.raises(ServiceAnswerMalformed, match="not a multisig transaction"):
        service.transaction(HASH)


SINGLETON = "0xd9Db270c1B5E3Bd161E8c8503c55cEABeE709552"
VIEW = SafeView(address=SAFE, nonce=42, threshold=2, owners=(ALICE.address, BOB.address), master_copy=SINGLETON)


def test_describe_safe_reads_the_services_view(server):
    server.status = 200
    server.body = json.dumps({"address": SAFE, "nonce": "42", "threshold": 2, "owners": [ALICE.address, BOB.address],
                              "masterCopy": SINGLETON.lower(), "modules": [], "version": "1.3.0+L2"}).encode()
    service = HttpTransactionService(server.url, 1, api_key="k")
    assert service.describe_safe(SAFE_LOWER) == VIEW
    (request,) = server.asked()
    assert (request["method"], request["path"]) == ("GET", f"/api/v1/safes/{SAFE}/")
    assert request["headers"]["Authorization"] == "Bearer k"
    server.body = server.body.replace(b'"42"', b"42")
    assert service.describe_safe(SAFE) == VIEW


def test_describe_safe_unknown_malformed_or_failing(server):
    service = HttpTransactionService(server.url, 1)
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


def test_service_url_is_shown_without_credentials_or_query():
    assert display_service_url("https://user:secret@api.example/tx-service/eth/?key=abc") == "https://api.example/tx-service/eth"
    service = HttpTransactionService("http://u:p@127.0.0.1:9/base?token=t", 1, timeout=2)
    assert service.display_url == "http://127.0.0.1:9/base"
    with pytest.raises(ServiceUnavailable) as caught:
        service.describe_safe(SAFE)
    assert "secret" not in str(caught.value) and "token" not in str(caught.value) and ":p@" not in str(caught.value)
