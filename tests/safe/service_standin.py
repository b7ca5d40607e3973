"""A local Safe Transaction Service for tests, written to the service's published API and its own checks.

Endpoints, query parameters and JSON fields are the real service's (safe-transaction-service's history
views and serializers, camelCase as its renderer writes them):

  GET  /api/v1/about/ethereum-rpc/                         version, block_number, chain_id, chain, syncing
  GET  /api/v1/safes/{address}/                            SafeInfoResponseSerializer
  GET  /api/v1|v2/safes/{address}/multisig-transactions/    paginated (count, next, previous, results), the filters
                                                            executed, nonce__gte, nonce, trusted, ordering, limit, offset
  POST /api/v1|v2/safes/{address}/multisig-transactions/    SafeMultisigTransactionSerializer's checks, 201 or 422
  GET  /api/v1|v2/multisig-transactions/{safe_tx_hash}/     SafeMultisigTransactionResponseSerializer(V2), or 404
  GET|POST /api/v1/multisig-transactions/{hash}/confirmations/   SafeMultisigConfirmationSerializer's checks, 201/400/404

v1 gives nonce, safeTxGas and baseGas as JSON numbers, v2 as strings, as the service does. Like the real
service it validates with safe-eth-py (safe_eth): the SafeTx hash rebuilt from the posted fields, each
signature parsed and checked with `is_valid` against the chain (approved hashes, EIP-1271), owners read
from the Safe. What executed is found as the service finds it, from the Safe's ExecutionSuccess events.
Nothing here is indexops code: the client under test talks to it over HTTP only.
"""

from __future__ import annotations

import json
import re
import threading
import urllib.parse
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from eth_utils import keccak, to_checksum_address
from hexbytes import HexBytes
from safe_eth.eth import EthereumClient
from safe_eth.safe import Safe
from safe_eth.safe.safe_signature import SafeSignature

EXECUTION_SUCCESS = "0x" + keccak(text="ExecutionSuccess(bytes32,uint256)").hex()
ZERO = "0x" + "00" * 20
_ADDRESS = r"(0x[0-9a-fA-F]{40})"
_HASH = r"(0x[0-9a-fA-F]{64})"


@dataclass
class Stored:
    fields: dict  # safe, to, value, data, operation, safeTxGas, baseGas, gasPrice, gasToken, refundReceiver, nonce
    safe_tx_hash: str
    proposer: str
    origin: object
    created: str
    confirmations: dict = field(default_factory=dict)  # owner -> (signature hex, type name, created)


class StandInService:
    """Start with `StandInService(rpc_url, chain_id).start()`; `requests` records every request."""

    def __init__(self, rpc_url: str, chain_id: int, *, served_chain_id: int | None = None):
        self.client = EthereumClient(rpc_url, use_request_caching=False)
        self.chain_id = chain_id
        self.served_chain_id = chain_id if served_chain_id is None else served_chain_id
        self.start_block = self.client.w3.eth.block_number
        self.transactions: dict[str, Stored] = {}
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        self.url = ""

    # ---- the server -------------------------------------------------------------------------------

    def start(self) -> StandInService:
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                service._handle(self, "GET", None)

            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length", 0))
                service._handle(self, "POST", json.loads(self.rfile.read(length) or b"null"))

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)

    def posts(self) -> list[dict]:
        return [request for request in self.requests if request["method"] == "POST"]

    def _handle(self, handler, method: str, body) -> None:
        parts = urllib.parse.urlsplit(handler.path)
        query = dict(urllib.parse.parse_qsl(parts.query))
        self.requests.append({"method": method, "path": handler.path, "body": body, "headers": dict(handler.headers)})
        with self.lock:
            status, answer = self._route(method, parts.path, query, body)
        data = b"" if answer is None else json.dumps(answer).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def _route(self, method: str, path: str, query: dict, body):
        if method == "GET" and path == "/api/v1/about/ethereum-rpc/":
            return 200, {"version": "anvil", "block_number": self.client.w3.eth.block_number,
                         "chain_id": self.served_chain_id, "chain": "UNKNOWN", "syncing": False}
        if match := re.fullmatch(rf"/api/v1/safes/{_ADDRESS}/", path):
            return self._safe_info(match.group(1)) if method == "GET" else (405, None)
        if match := re.fullmatch(rf"/api/(v1|v2)/safes/{_ADDRESS}/multisig-transactions/", path):
            version, address = match.groups()
            if method == "GET":
                return self._list(version, address, query)
            return self._create(address, body)
        if match := re.fullmatch(rf"/api/(v1|v2)/multisig-transactions/{_HASH}/", path):
            stored = self.transactions.get(match.group(2))
            return (200, self._serialize(stored, match.group(1))) if stored else (404, {"detail": "Not found."})
        if match := re.fullmatch(rf"/api/v1/multisig-transactions/{_HASH}/confirmations/", path):
            if method == "POST":
                return self._confirm(match.group(1), body)
            stored = self.transactions.get(match.group(1))
            items = [] if stored is None else self._confirmations(stored)
            return 200, {"count": len(items), "next": None, "previous": None, "results": items}
        return 404, {"detail": "Not found."}

    # ---- the views --------------------------------------------------------------------------------

    def _safe_info(self, address: str):
        if address != to_checksum_address(address):
            return 422, {"code": 1, "message": "Checksum address validation failed", "arguments": [address]}
        try:
            info = Safe(address, self.client).retrieve_all_info()
        except Exception:  # not a Safe: the service does not know it
            return 404, {"detail": "Not found."}
        return 200, {"address": info.address, "nonce": str(info.nonce), "threshold": info.threshold,
                     "owners": info.owners, "masterCopy": info.master_copy, "modules": info.modules,
                     "fallbackHandler": info.fallback_handler, "guard": info.guard or ZERO,
                     "moduleGuard": getattr(info, "module_guard", None) or ZERO, "version": info.version}

    def _list(self, version: str, address: str, query: dict):
        if address != to_checksum_address(address):
            return 422, {"code": 1, "message": "Checksum address validation failed", "arguments": [address]}
        executed = self._executed()
        rows = [stored for stored in self.transactions.values() if stored.fields["safe"] == address]
        if "executed" in query:
            wanted = query["executed"] == "true"
            rows = [r for r in rows if (r.safe_tx_hash in executed) == wanted]
        for key, test in (("nonce__gte", lambda n, v: n >= v), ("nonce__lt", lambda n, v: n < v),
                          ("nonce", lambda n, v: n == v)):
            if key in query:
                rows = [r for r in rows if test(r.fields["nonce"], int(query[key]))]
        if query.get("trusted", "true") == "true":
            rows = [r for r in rows if r.confirmations]
        ordering = query.get("ordering", "-nonce")
        rows.sort(key=lambda r: (r.fields["nonce"], r.created), reverse=ordering.startswith("-"))
        offset, limit = int(query.get("offset", 0)), int(query.get("limit", 100))
        page = rows[offset : offset + limit]
        answer = {"count": len(rows), "next": None, "previous": None,
                  "results": [self._serialize(r, version, executed) for r in page]}
        if version == "v1":
            answer["countUniqueNonce"] = len({r.fields["nonce"] for r in rows})
        return 200, answer

    def _create(self, address: str, body: dict):
        if address != to_checksum_address(address):
            return 422, {"code": 1, "message": "Checksum address validation failed", "arguments": [address]}
        try:
            fields = {"safe": address, "to": to_checksum_address(body["to"]), "value": int(body["value"]),
                      "data": body.get("data") or None, "operation": int(body["operation"]),
                      "safeTxGas": int(body["safeTxGas"]), "baseGas": int(body["baseGas"]),
                      "gasPrice": int(body["gasPrice"]), "gasToken": to_checksum_address(body.get("gasToken") or ZERO),
                      "refundReceiver": to_checksum_address(body.get("refundReceiver") or ZERO),
                      "nonce": int(body["nonce"])}
            claimed = HexBytes(body["contractTransactionHash"])
            sender = to_checksum_address(body["sender"])
        except (KeyError, TypeError, ValueError) as error:
            return 422, {"nonFieldErrors": [f"Invalid data: {error}"]}
        safe = Safe(address, self.client)
        safe_tx = self._safe_tx(safe, fields)
        if safe_tx.safe_tx_hash != claimed:
            return 422, {"nonFieldErrors": [
                f"Contract-transaction-hash={safe_tx.safe_tx_hash.to_0x_hex()} "
                f"does not match provided contract-tx-hash={claimed.to_0x_hex()}"]}
        if fields["nonce"] < safe.retrieve_nonce():
            return 422, {"nonFieldErrors": [f"Tx with nonce={fields['nonce']} for safe={address} already executed"]}
        owners = safe.retrieve_owners()
        if sender not in owners:
            return 422, {"nonFieldErrors": [f"Sender={sender} is not an owner or delegate. Current owners={owners}"]}
        parsed, problem = self._valid_signatures(body.get("signature") or "0x", safe_tx, owners, address)
        if problem:
            return 422, {"nonFieldErrors": [problem]}
        if parsed and sender not in [s.owner for s in parsed]:
            return 422, {"nonFieldErrors": [f"Signature does not match sender={sender}. "
                                            f"Calculated owners={[s.owner for s in parsed]}"]}
        digest = claimed.to_0x_hex()
        stored = self.transactions.setdefault(digest, Stored(fields, digest, sender, body.get("origin"), _now()))
        self._add(stored, parsed)
        return 201, None

    def _confirm(self, digest: str, body: dict):
        stored = self.transactions.get(digest)
        if stored is None:
            return 404, {"detail": f"Multisig transaction with safe-tx-hash={digest} was not found"}
        if digest in self._executed():
            return 400, {"signature": [f"Transaction with safe-tx-hash={digest} was already executed"]}
        signature = (body or {}).get("signature")
        if not isinstance(signature, str) or len(HexBytes(signature)) < 65:
            return 400, {"signature": ["Ensure this field has at least 65 hexadecimal chars (not counting 0x)."]}
        safe = Safe(stored.fields["safe"], self.client)
        parsed, problem = self._valid_signatures(signature, self._safe_tx(safe, stored.fields),
                                                 safe.retrieve_owners(), stored.fields["safe"])
        if problem:
            return 400, {"signature": [problem]}
        self._add(stored, parsed)
        return 201, None

    # ---- what the serializers do ------------------------------------------------------------------

    def _safe_tx(self, safe: Safe, fields: dict):
        return safe.build_multisig_tx(fields["to"], fields["value"], HexBytes(fields["data"] or b""),
                                      fields["operation"], fields["safeTxGas"], fields["baseGas"], fields["gasPrice"],
                                      fields["gasToken"], fields["refundReceiver"], safe_nonce=fields["nonce"])

    def _valid_signatures(self, signature: str, safe_tx, owners: list, safe: str):
        parsed = SafeSignature.parse_signature(HexBytes(signature), safe_tx.safe_tx_hash,
                                               safe_hash_preimage=safe_tx.safe_tx_hash_preimage)
        seen = []
        for item in parsed:
            if item.owner not in owners:
                return parsed, f"Signer={item.owner} is not an owner. Current owners={owners}"
            if not item.is_valid(self.client, safe):
                return parsed, f"Signature={item.signature.to_0x_hex()} for owner={item.owner} is not valid"
            if item.owner in seen:
                return parsed, f"Signature for owner={item.owner} is duplicated"
            seen.append(item.owner)
        return parsed, None

    def _add(self, stored: Stored, parsed) -> None:
        for item in parsed:
            if item.owner not in stored.confirmations:  # get_or_create: a repeated confirmation keeps the first
                stored.confirmations[item.owner] = (item.export_signature().to_0x_hex(), item.signature_type.name,
                                                    _now())

    def _executed(self) -> dict[str, str]:
        """safeTxHash -> the transaction that executed it, from the Safes' ExecutionSuccess events."""
        safes = sorted({stored.fields["safe"] for stored in self.transactions.values()})
        if not safes:
            return {}
        logs = self.client.w3.eth.get_logs({"fromBlock": self.start_block, "toBlock": "latest", "address": safes,
                                            "topics": [EXECUTION_SUCCESS]})
        return {"0x" + bytes(log["data"])[:32].hex(): "0x" + bytes(log["transactionHash"]).hex() for log in logs}

    def _confirmations(self, stored: Stored) -> list[dict]:
        return [{"owner": owner, "submissionDate": created, "transactionHash": None, "signature": signature,
                 "signatureType": kind} for owner, (signature, kind, created) in stored.confirmations.items()]

    def _serialize(self, stored: Stored, version: str, executed: dict | None = None) -> dict:
        executed = self._executed() if executed is None else executed
        tx_hash = executed.get(stored.safe_tx_hash)
        fields = stored.fields
        numbers = (lambda n: str(n)) if version == "v2" else (lambda n: n)
        threshold = Safe(fields["safe"], self.client).retrieve_threshold()
        return {
            "safe": fields["safe"], "to": fields["to"], "value": str(fields["value"]), "data": fields["data"],
            "operation": fields["operation"], "gasToken": fields["gasToken"], "safeTxGas": numbers(fields["safeTxGas"]),
            "baseGas": numbers(fields["baseGas"]), "gasPrice": str(fields["gasPrice"]),
            "refundReceiver": fields["refundReceiver"], "nonce": numbers(fields["nonce"]),
            "executionDate": _now() if tx_hash else None, "submissionDate": stored.created, "modified": stored.created,
            "blockNumber": None, "transactionHash": tx_hash, "safeTxHash": stored.safe_tx_hash,
            "proposer": stored.proposer, "proposedByDelegate": None, "executor": None, "isExecuted": bool(tx_hash),
            "isSuccessful": True if tx_hash else None, "ethGasPrice": None, "maxFeePerGas": None,
            "maxPriorityFeePerGas": None, "gasUsed": None, "fee": None, "payment": None,
            "origin": stored.origin if isinstance(stored.origin, str) else json.dumps(stored.origin),
            "dataDecoded": None, "confirmationsRequired": threshold, "confirmations": self._confirmations(stored),
            "trusted": bool(stored.confirmations), "signatures": None,
        }


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")
