"""An export read back from disk: the sidecar and its batch files, each checked against the others.

Whichever file the user names (a batch file or its `*.safetx.json`), everything that can be
verified offline is verified before anything is shown, signed or sent: the batch checksum, the
readable view against the calldata, the batch bytes against the sidecar's record, every
safeTxHash by two computations, the batch's calls against the SafeTx, every signature.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from eth_utils import keccak

from indexops.errors import UsageError
from indexops.safe.errors import MalformedMultiSend, WrongChain
from indexops.safe.multisend import MultiSendCall, read_multisend_calldata
from indexops.safe.safetx import DELEGATECALL, SafeTx
from indexops.safe.sidecar import SUFFIX, SafeTxFile, SignedSafeTx, dump_sidecar, is_sidecar_document, sidecar_from_dict
from indexops.safe.txbuilder import batch_calls, check_readable_view, load_batch, verify_checksum


class ExportFileMissing(UsageError):
    def __init__(self, path: Path, what: str = "file"):
        super().__init__(f"{path}: no such {what}")


class NotAnExportFile(UsageError):
    def __init__(self, path: Path):
        super().__init__(f"{path}: neither a Transaction Builder batch file nor an indexops {SUFFIX} file")


class BatchFileEdited(UsageError):
    def __init__(self, path: Path):
        super().__init__(f"{path}: edited after export (its bytes no longer hash to the sidecar's batchFileKeccak)")


class BatchDoesNotMatchSafeTx(UsageError):
    def __init__(self, path: Path, nonce: int, reason: str):
        super().__init__(f"{path}: its calls are not those of the SafeTx with nonce {nonce} ({reason})")


class BatchNotVerified(UsageError):
    def __init__(self, path: Path, error: UsageError):
        super().__init__(f"{path}: {error}")


class NoSidecar(UsageError):
    def __init__(self, path: Path):
        super().__init__(
            f"{path}: no {SUFFIX} file next to it names this batch; signing, executing and proposing need the "
            "sidecar that `indexops safe export` writes"
        )


@dataclass(frozen=True)
class Export:
    """A verified export: a sidecar with its batch files, or a batch file found alone."""

    path: Path
    sidecar_path: Path | None
    file: SafeTxFile | None
    batches: dict[str, dict]
    checks: tuple[str, ...]

    def require_sidecar(self) -> SafeTxFile:
        if self.file is None:
            raise NoSidecar(self.path)
        return self.file

    def require_sidecar_path(self) -> Path:
        if self.sidecar_path is None:
            raise NoSidecar(self.path)
        return self.sidecar_path


def read_export(path: Path) -> Export:
    document = _read_json(path)
    if is_sidecar_document(document):
        return _read_sidecar(path, document)
    if isinstance(document, dict) and "transactions" in document and "meta" in document:
        sidecar = _sidecar_naming(path)
        if sidecar is not None:
            export = _read_sidecar(sidecar, _read_json(sidecar))
            return Export(path, export.sidecar_path, export.file, export.batches, export.checks)
        batch, checks = _verified_batch(path)
        return Export(path, None, None, {path.name: batch}, tuple(checks))
    raise NotAnExportFile(path)


def _read_sidecar(path: Path, document: object) -> Export:
    file = sidecar_from_dict(document, path=str(path))
    checks = [f"{path.name}: every safeTxHash recomputed by raw ABI encoding and by EIP-712 typed data"]
    batches: dict[str, dict] = {}
    for entry in file.transactions:
        batch_path = path.parent / entry.batch_file
        if entry.batch_file not in batches:
            if not batch_path.is_file():
                raise ExportFileMissing(batch_path, "batch file (the sidecar names it)")
            batch, batch_checks = _verified_batch(batch_path)
            if "0x" + keccak(batch_path.read_bytes()).hex() != entry.batch_file_keccak:
                raise BatchFileEdited(batch_path)  # an edit the checksum does not cover: meta.name, layout
            if batch["chainId"] != str(file.chain_id):
                raise WrongChain(file.chain_id, batch["chainId"], what=f"batch file {batch_path.name}")
            if batch["meta"].get("createdFromSafeAddress") != file.safe:
                raise BatchDoesNotMatchSafeTx(batch_path, entry.safe_tx.nonce, "it was created for another Safe")
            batches[entry.batch_file] = batch
            checks += batch_checks + [f"{entry.batch_file}: unchanged since export (keccak of its bytes)"]
        _check_calls(batch_path, batches[entry.batch_file], entry, file.multisend)
        checks.append(f"{entry.batch_file}: its calls are those of the SafeTx with nonce {entry.safe_tx.nonce}")
    return Export(path, path, file, batches, tuple(checks))


def _verified_batch(path: Path) -> tuple[dict, list[str]]:
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise NotAnExportFile(path) from None
    batch = load_batch(text, path=str(path))
    try:
        verify_checksum(batch)
        check_readable_view(batch)
    except UsageError as error:
        raise BatchNotVerified(path, error) from None
    return batch, [f"{path.name}: meta.checksum matches the content", f"{path.name}: {_readable_view_check(batch)}"]


def _readable_view_check(batch: dict) -> str:
    encoded = sum(entry.get("data") is None for entry in batch["transactions"])
    if encoded == len(batch["transactions"]):
        return "every call encoded from its method and inputs as the Transaction Builder encodes them"
    if encoded:
        return (
            f"{encoded} call(s) encoded from method and inputs as the Transaction Builder does; "
            "the others' data as written"
        )
    return "the data as written; methods shown beside it encode to exactly that data"


def _check_calls(path: Path, batch: dict, entry: SignedSafeTx, multisend: str | None) -> None:
    try:
        expected = safe_tx_calls(entry, multisend)
    except MalformedMultiSend as error:
        raise BatchDoesNotMatchSafeTx(path, entry.safe_tx.nonce, str(error)) from None
    found = batch_calls(batch)
    if len(found) != len(expected):
        raise BatchDoesNotMatchSafeTx(
            path, entry.safe_tx.nonce, f"{len(found)} calls, the SafeTx makes {len(expected)}"
        )
    for index, (mine, theirs) in enumerate(zip(found, expected, strict=True)):
        if mine != theirs:
            raise BatchDoesNotMatchSafeTx(path, entry.safe_tx.nonce, f"call {index} differs")


def safe_tx_calls(entry: SignedSafeTx, multisend: str | None) -> list[MultiSendCall]:
    """The calls a SafeTx makes: MultiSend unpacked when it delegatecalls the file's MultiSendCallOnly."""
    return safe_tx_batch(entry, multisend)[0]


def safe_tx_batch(entry: SignedSafeTx, multisend: str | None) -> tuple[list[MultiSendCall], str | None]:
    """The calls a SafeTx makes, and the MultiSend layout they were read in (None for a plain call)."""
    return calls_of(entry.safe_tx, multisend)


def calls_of(tx: SafeTx, multisend: str | None) -> tuple[list[MultiSendCall], str | None]:
    if tx.operation == DELEGATECALL and multisend is not None and tx.to == multisend:
        return read_multisend_calldata(tx.data)
    return [MultiSendCall(to=tx.to, value=tx.value, data=tx.data, operation=tx.operation)], None


def _sidecar_naming(batch_path: Path) -> Path | None:
    """The sidecar next to a batch file that lists it (looked up by name, then loaded in full)."""
    for candidate in sorted(batch_path.parent.glob(f"*{SUFFIX}")):
        try:
            document = json.loads(candidate.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            continue
        entries = document.get("transactions") if isinstance(document, dict) else None
        if isinstance(entries, list) and any(
            isinstance(e, dict) and e.get("batchFile") == batch_path.name for e in entries
        ):
            return candidate
    return None


def _read_json(path: Path) -> object:
    if not path.is_file():
        raise ExportFileMissing(path)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise NotAnExportFile(path) from None
    except json.JSONDecodeError as error:
        raise UsageError(f"{path}: not JSON: {error.msg} at line {error.lineno} column {error.colno}") from None


def write_sidecar(path: Path, file: SafeTxFile) -> None:
    write_atomically(path, dump_sidecar(file))


def write_atomically(path: Path, text: str) -> None:
    """Write via a temporary file and rename, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def file_keccak(text: str) -> str:
    return "0x" + keccak(text.encode("utf-8")).hex()
