"""The `*.safetx.json` sidecar: the SafeTxs behind Transaction Builder batch files, with their signatures.

One file per export. Its header names the Safe, its chain and version (so the EIP-712 domain is
known), the owners and threshold read at export time, and where the export came from. Each
entry holds one SafeTx in the library's JSON form (with its safeTxHash), the batch file it was
exported with (by name and by the keccak of its exact bytes), the owner signatures collected so
far (of any kind the Safe accepts) and, once executed, the transaction that executed it.

Reading a sidecar recomputes every hash and reads every signature as the Safe reads it,
recovering the owner of each ECDSA one: a file that does not agree with itself is refused,
one problem per line. Approved-hash and contract signatures name their owner; only the chain
can say whether they hold.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeGuard

from indexops.errors import UsageError
from indexops.safe.errors import DuplicateSigner, InvalidSignature, MalformedSafeTxFile
from indexops.safe.independent_hash import domain_separator, safe_tx_struct_hash
from indexops.safe.safetx import SafeTx, domain_for, safe_tx_hash
from indexops.safe.safetx_json import safe_tx_from_dict, safe_tx_to_dict
from indexops.safe.signatures import SafeSignature, parse_signature
from indexops.safe.versions import canonical_safe_version
from indexops.values import checksummed, unsigned

FORMAT = "indexops.safetx"
FORMAT_VERSION = 1
SUFFIX = ".safetx.json"

_HEADER_KEYS = {
    "format",
    "formatVersion",
    "safe",
    "chainId",
    "network",
    "product",
    "plan",
    "safeVersion",
    "domain",
    "domainHash",
    "owners",
    "threshold",
    "multiSendCallOnly",
    "transactions",
}
_ENTRY_KEYS = {"batchFile", "batchFileKeccak", "description", "safeTx", "messageHash", "signatures", "executedIn"}


@dataclass(frozen=True)
class SignedSafeTx:
    """One SafeTx, the batch file exported with it, and the owner signatures collected so far."""

    safe_tx: SafeTx
    batch_file: str
    batch_file_keccak: str
    description: str = ""
    signatures: tuple[SafeSignature, ...] = ()
    executed_in: str | None = None

    @property
    def safe_tx_hash(self) -> bytes:
        return safe_tx_hash(self.safe_tx)

    @property
    def signers(self) -> tuple[str, ...]:
        return tuple(signature.owner for signature in self.signatures)


@dataclass(frozen=True)
class SafeTxFile:
    safe: str
    chain_id: int
    safe_version: str
    network: str
    owners: tuple[str, ...]
    threshold: int
    transactions: tuple[SignedSafeTx, ...]
    product: str | None = None
    plan: str | None = None
    multisend: str | None = None

    def with_signature(self, index: int, signature: SafeSignature) -> SafeTxFile:
        """The file with `signature` added to entry `index`; an owner's earlier signature is replaced."""
        entry = self.transactions[index]
        kept = tuple(s for s in entry.signatures if s.owner != signature.owner)
        return self._with_entry(index, dataclasses.replace(entry, signatures=(*kept, signature)))

    def with_execution(self, index: int, tx_hash: str) -> SafeTxFile:
        return self._with_entry(index, dataclasses.replace(self.transactions[index], executed_in=tx_hash))

    def _with_entry(self, index: int, entry: SignedSafeTx) -> SafeTxFile:
        entries = list(self.transactions)
        entries[index] = entry
        return dataclasses.replace(self, transactions=tuple(entries))


def sidecar_to_dict(file: SafeTxFile) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "formatVersion": FORMAT_VERSION,
        "safe": file.safe,
        "chainId": file.chain_id,
        "network": file.network,
        "product": file.product,
        "plan": file.plan,
        "safeVersion": file.safe_version,
        "domain": domain_for(file.safe_version, file.chain_id, file.safe),
        "domainHash": "0x" + domain_separator(file.safe_version, file.chain_id, file.safe).hex(),
        "owners": list(file.owners),
        "threshold": file.threshold,
        "multiSendCallOnly": file.multisend,
        "transactions": [_entry_to_dict(entry) for entry in file.transactions],
    }


def _entry_to_dict(entry: SignedSafeTx) -> dict[str, Any]:
    return {
        "batchFile": entry.batch_file,
        "batchFileKeccak": entry.batch_file_keccak,
        "description": entry.description,
        "safeTx": safe_tx_to_dict(entry.safe_tx),
        # what a hardware wallet shows when it cannot display the typed data: domain hash + message hash
        "messageHash": "0x" + safe_tx_struct_hash(entry.safe_tx).hex(),
        "signatures": [{"owner": s.owner, "kind": s.kind.value, "signature": s.hex()} for s in entry.signatures],
        "executedIn": entry.executed_in,
    }


def dump_sidecar(file: SafeTxFile) -> str:
    return json.dumps(sidecar_to_dict(file), indent=2) + "\n"


def load_sidecar(text: str, *, path: str = "<sidecar>") -> SafeTxFile:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise MalformedSafeTxFile(path, f"not JSON: {error.msg} at line {error.lineno} column {error.colno}") from None
    return sidecar_from_dict(document, path=path)


def is_sidecar_document(document: object) -> TypeGuard[dict[str, Any]]:
    return isinstance(document, dict) and document.get("format") == FORMAT


def sidecar_from_dict(document: object, *, path: str = "<sidecar>") -> SafeTxFile:
    """Validate the header, every SafeTx (hashes recomputed both ways) and every signature."""
    if not is_sidecar_document(document):
        raise MalformedSafeTxFile(path, f"not an indexops Safe transaction file (format {FORMAT!r} expected)")
    problems: list[str] = []
    header = _header(document, problems)
    entries = document.get("transactions")
    if not isinstance(entries, list) or not entries:
        problems.append("transactions must be a non-empty array")
        entries = []
    unknown = sorted(set(document) - _HEADER_KEYS)
    if unknown:
        problems.append(f"unknown key(s): {', '.join(unknown)}")
    if problems:
        raise MalformedSafeTxFile(path, problems)
    parsed = tuple(_entry(entry, index, header, path) for index, entry in enumerate(entries))
    _check_nonces(parsed, path)
    return SafeTxFile(transactions=parsed, **header)


def _header(document: dict, problems: list[str]) -> dict[str, Any]:
    header: dict[str, Any] = {}

    def take(key: str, name: str, parse) -> None:
        try:
            header[name] = parse(document.get(key), key)
        except UsageError as error:
            problems.append(str(error))
        except (TypeError, ValueError):
            problems.append(f"{key}: invalid value {document.get(key)!r}")

    if document.get("formatVersion") != FORMAT_VERSION:
        problems.append(
            f"formatVersion {document.get('formatVersion')!r} is not understood (expected {FORMAT_VERSION})"
        )
    take("safe", "safe", checksummed)
    take("chainId", "chain_id", unsigned)
    take("safeVersion", "safe_version", lambda value, _what: canonical_safe_version(value))
    take("network", "network", _text)
    take("product", "product", _optional_text)
    take("plan", "plan", _optional_text)
    take("owners", "owners", lambda value, what: tuple(checksummed(owner, what) for owner in _list(value, what)))
    take("threshold", "threshold", unsigned)
    take("multiSendCallOnly", "multisend", lambda value, what: None if value is None else checksummed(value, what))
    if problems:
        return header
    if not 1 <= header["threshold"] <= len(header["owners"]):
        problems.append(f"threshold {header['threshold']} is not between 1 and the {len(header['owners'])} owner(s)")
    expected_domain = domain_for(header["safe_version"], header["chain_id"], header["safe"])
    if document.get("domain") != expected_domain:
        problems.append(f"domain {document.get('domain')!r} is not the Safe's EIP-712 domain {expected_domain!r}")
    expected_hash = "0x" + domain_separator(header["safe_version"], header["chain_id"], header["safe"]).hex()
    if str(document.get("domainHash", "")).lower() != expected_hash:
        problems.append(f"domainHash {document.get('domainHash')!r} is not the domain's hash {expected_hash}")
    return header


def _entry(entry: object, index: int, header: dict[str, Any], path: str) -> SignedSafeTx:
    where = f"{path}: transactions[{index}]"
    if not isinstance(entry, dict):
        raise MalformedSafeTxFile(where, "must be an object")
    unknown = sorted(set(entry) - _ENTRY_KEYS)
    if unknown:
        raise MalformedSafeTxFile(where, f"unknown key(s): {', '.join(unknown)}")
    tx = safe_tx_from_dict(entry.get("safeTx"), path=f"{where}.safeTx")
    for name, value in (("safe", tx.safe), ("chain_id", tx.chain_id), ("safe_version", tx.safe_version)):
        if value != header[name]:
            raise MalformedSafeTxFile(where, f"safeTx.{name} is {value!r} but the file is for {header[name]!r}")
    message_hash = "0x" + safe_tx_struct_hash(tx).hex()
    if str(entry.get("messageHash", "")).lower() != message_hash:
        raise MalformedSafeTxFile(where, f"messageHash {entry.get('messageHash')!r} is not the SafeTx's {message_hash}")
    batch_file, keccak_text = entry.get("batchFile"), entry.get("batchFileKeccak")
    if not isinstance(batch_file, str) or not batch_file or "/" in batch_file or "\\" in batch_file:
        raise MalformedSafeTxFile(where, "batchFile must be a file name next to the sidecar")
    if not (isinstance(keccak_text, str) and len(keccak_text) == 66 and keccak_text.startswith("0x")):
        raise MalformedSafeTxFile(where, "batchFileKeccak must be 0x followed by 64 hex digits")
    executed = entry.get("executedIn")
    if executed is not None and not (isinstance(executed, str) and executed.startswith("0x")):
        raise MalformedSafeTxFile(where, "executedIn must be a transaction hash or null")
    return SignedSafeTx(
        safe_tx=tx,
        batch_file=batch_file,
        batch_file_keccak=keccak_text.lower(),
        description=_text(entry.get("description", ""), "description"),
        signatures=_signatures(entry.get("signatures", []), safe_tx_hash(tx), header["safe_version"], where),
        executed_in=executed,
    )


def _signatures(items: object, digest: bytes, version: str, where: str) -> tuple[SafeSignature, ...]:
    if not isinstance(items, list):
        raise MalformedSafeTxFile(where, "signatures must be an array")
    parsed: list[SafeSignature] = []
    for number, item in enumerate(items):
        if not isinstance(item, dict) or not {"owner", "signature"} <= set(item):
            raise MalformedSafeTxFile(where, f"signatures[{number}] must be an object with owner and signature")
        try:
            signature = parse_signature(item["signature"], digest, version)
            recorded = checksummed(item["owner"], "owner")
        except UsageError as error:
            raise MalformedSafeTxFile(where, f"signatures[{number}]: {error}") from None
        if signature.owner != recorded:
            raise InvalidSignature(
                f"it recovers to {signature.owner}, not the recorded owner {recorded} ({where})", number
            )
        if signature.owner in {earlier.owner for earlier in parsed}:
            raise DuplicateSigner(signature.owner)
        parsed.append(signature)
    return tuple(parsed)


def _check_nonces(entries: Sequence[SignedSafeTx], path: str) -> None:
    nonces = [entry.safe_tx.nonce for entry in entries]
    if nonces != list(range(nonces[0], nonces[0] + len(nonces))):
        raise MalformedSafeTxFile(path, f"the SafeTx nonces {nonces} are not consecutive")


def _text(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise MalformedSafeTxFile(what, f"expected a string, got {value!r}")
    return value


def _optional_text(value: object, what: str) -> str | None:
    return None if value is None else _text(value, what)


def _list(value: object, what: str) -> list:
    if not isinstance(value, list) or not value:
        raise MalformedSafeTxFile(what, "expected a non-empty array")
    return value
