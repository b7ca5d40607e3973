"""`indexops safe export`: a plan's Safe-signed steps, or any calls, as batch files and a sidecar of SafeTxs.

With `multisend`, all calls go in one SafeTx that delegatecalls MultiSendCallOnly (atomic), and
one batch file lists them, which the Transaction Builder batches the same way. Without it, each
call is its own SafeTx with the next nonce and its own one-call batch file, which the app sends
as a plain call. Either way the app, given the same nonce, arrives at the sidecar's safeTxHash.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_abi import decode
from eth_abi.exceptions import DecodingError

from indexops.chain.calldata import canonical_type
from indexops.chain.connection import error_line
from indexops.config.loader import LoadedConfig
from indexops.config.selection import NetworkChoice, ProductOnNetwork
from indexops.errors import ChainError, UsageError
from indexops.safe.decoding import Label, find_fragment
from indexops.safe.errors import WrongChain
from indexops.safe.multisend import MultiSendCall, multisend_safe_tx
from indexops.safe.nonces import NonceChoice, choose_nonce
from indexops.safe.safetx import CALL, SafeTx
from indexops.safe.service import TransactionService
from indexops.safe.sidecar import SUFFIX, SafeTxFile, SignedSafeTx, load_sidecar
from indexops.safe.txbuilder import batch_transaction, build_batch, dump_batch
from indexops.workflows.safe.address_book import address_book, shipped_abis
from indexops.workflows.safe.chain import SafeState, operator_of_record, read_safe, role_holders
from indexops.workflows.safe.files import file_keccak, write_atomically, write_sidecar
from indexops.workflows.safe.queue import queued_nonces


class SafeHoldsNoRole(UsageError):
    def __init__(self, safe: str, product: str, holders: Mapping[str, Sequence[str]]):
        held = "; ".join(f"{role}: {', '.join(addresses) or 'nobody'}" for role, addresses in sorted(holders.items()))
        super().__init__(f"the Safe {safe} holds no role of {product} on chain ({held})")


class NothingForTheSafe(UsageError):
    def __init__(self, roles: Sequence[str]):
        super().__init__(f"no step of the plan is signed by a role the Safe holds ({', '.join(roles)})")


class ChunksWaitBetween(UsageError):
    def __init__(self, count: int):
        super().__init__(
            f"--multisend: the plan's {count} Safe steps are chunks that wait for the TWAP cool-off between them; "
            "export them without --multisend, one SafeTx per chunk, and execute one at a time (`safe exec --next`)"
        )


class NoMultiSendCallOnly(UsageError):
    def __init__(self, network: str, source: str, reason: str):
        where = f"{source}: networks.{network}.contracts.multisend_call_only"
        super().__init__(f"--multisend needs MultiSendCallOnly: {where} {reason}")


class OutIsADirectory(UsageError):
    def __init__(self, path: Path):
        super().__init__(f"--out {path}: names a batch file (it ends in .json), but it is a directory")


class OutNamesASidecar(UsageError):
    def __init__(self, path: Path):
        super().__init__(f"--out {path}: name the batch file (….json, the sidecar goes beside it) or a directory")


class OutIsAFile(UsageError):
    def __init__(self, path: Path):
        super().__init__(f"--out {path}: exists and is not a directory (a batch file path must end in .json)")


class OneBatchFileNamed(UsageError):
    def __init__(self, path: Path, count: int):
        super().__init__(
            f"--out {path} names one batch file, but the export makes {count} SafeTxs (one per call): "
            "give a directory, or batch them with --multisend"
        )


class SidecarHoldsSignatures(UsageError):
    def __init__(self, path: Path, count: int):
        super().__init__(f"{path} already holds {count} signature(s): export to another --out, or delete it first")


@dataclass(frozen=True)
class SafeCall:
    """One call for the Safe to make. `method` (an ABI function entry) gives the batch file its readable
    view; without it the function is looked up by selector in the target's ABI, then in every shipped ABI."""

    to: str
    data: bytes
    value: int = 0
    description: str = ""
    method: Mapping[str, Any] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Destination:
    """Where an export goes: a directory (files named after the plan), or one named batch file."""

    directory: Path
    stem: str | None = None  # `<stem>.json` and `<stem>.safetx.json`, when --out named the batch file

    @property
    def batch_file(self) -> Path | None:
        return None if self.stem is None else self.directory / f"{self.stem}.json"


def destination(out: Path | None, default_directory: Path) -> Destination:
    """`--out x.json` is the batch file itself, the sidecar `x.safetx.json` beside it; any other path is a directory."""
    if out is None:
        return Destination(default_directory)
    if out.name.lower().endswith(SUFFIX):
        raise OutNamesASidecar(out)
    if out.suffix.lower() == ".json":
        if out.is_dir():
            raise OutIsADirectory(out)
        return Destination(out.parent, out.name[: -len(".json")])
    if out.exists() and not out.is_dir():
        raise OutIsAFile(out)
    return Destination(out)


@dataclass(frozen=True)
class ExportResult:
    sidecar_path: Path
    batch_paths: tuple[Path, ...]
    file: SafeTxFile
    safe: SafeState
    nonce_from_chain: bool
    nonce: NonceChoice | None = None
    replaces: tuple[str, ...] = ()  # queued SafeTxs at the nonces taken, which these would void if executed first


def export_plan(
    connection,
    loaded: LoadedConfig,
    target: ProductOnNetwork,
    plan,
    *,
    safe: str | None,
    multisend: bool,
    nonce: int | None,
    out_dir: Path,
    now_ms: int | None = None,
    stem: str | None = None,
    service: TransactionService | None = None,
) -> ExportResult:
    """The plan's steps whose signer role the Safe holds (the operator steps of a Safe-operated product).

    Files are named after the plan under `out_dir`, or `<stem>.json` and `<stem>.safetx.json` when given.
    """
    network = target.where.network
    if plan.chain_id != network.chain_id:
        raise WrongChain(network.chain_id, plan.chain_id, what="plan")
    safe_address = operator_of_record(target, safe)
    holders = role_holders(connection.w3, target)
    held = sorted(role for role, addresses in holders.items() if safe_address in addresses)
    if not held:
        raise SafeHoldsNoRole(safe_address, target.key, holders)
    steps = [step for step in plan.steps if step.signer_role in held]
    if not steps:
        raise NothingForTheSafe(held)
    if multisend and plan.route == "fli" and sum(1 for step in steps if step.phase == "trade") > 1:
        raise ChunksWaitBetween(len(steps))
    calls = [SafeCall(to=s.to, data=bytes.fromhex(s.data[2:]), value=s.value, description=s.description) for s in steps]
    block, short_hash = plan.snapshot.block_number, plan.content_hash[2:10]
    return export_calls(
        connection,
        calls,
        safe=safe_address,
        where=target.where,
        labels=address_book(loaded, target.where),
        out_dir=out_dir,
        stem=stem or f"{plan.product}-{plan.network}-{block}-{short_hash}",
        one_batch_file=stem is not None,
        name=f"{plan.product} {'lever plan' if plan.route == 'fli' else 'rebalance'} {short_hash} "
        f"({plan.network}, block {block})",
        multisend=multisend,
        nonce=nonce,
        product=target.key,
        plan=plan.content_hash,
        now_ms=now_ms,
        service=service,
    )


def export_calls(
    connection,
    calls: Sequence[SafeCall],
    *,
    safe: str,
    where: NetworkChoice,
    out_dir: Path,
    stem: str,
    name: str,
    multisend: bool = False,
    nonce: int | None = None,
    labels: Mapping[str, Label] | None = None,
    product: str | None = None,
    plan: str | None = None,
    now_ms: int | None = None,
    one_batch_file: bool = False,
    service: TransactionService | None = None,
) -> ExportResult:
    """Write `<stem>.json` (or one `<stem>.nonce-N.json` per SafeTx) and `<stem>.safetx.json` under `out_dir`.

    The Safe's version, nonce, owners and threshold are read from the chain. With a `service`, the first
    nonce is the next free one after its queue; `nonce` sets it (a queued one is replaced). With
    `one_batch_file` (the user named the batch file) an export that would need several batch files is
    refused before anything is written.
    """
    if not calls:
        raise UsageError("nothing to export: no calls")
    if connection.chain_id != where.network.chain_id:
        raise WrongChain(where.network.chain_id, connection.chain_id, what="the RPC")
    state = read_safe(connection.w3, safe)
    queued = queued_nonces(service, connection.w3, state.address)
    choice = choose_nonce(state.nonce, queued, nonce)
    first_nonce = choice.nonce
    batched = multisend and len(calls) > 1  # one call goes out plain, as the app sends a one-call batch
    call_only = _multisend_call_only(connection.w3, where) if batched else None
    groups = [list(calls)] if batched else [[call] for call in calls]
    if one_batch_file and len(groups) > 1:
        raise OneBatchFileNamed(out_dir / f"{stem}.json", len(groups))
    sidecar_path = out_dir / f"{stem}{SUFFIX}"
    _refuse_to_overwrite_signatures(sidecar_path)
    created_at = now_ms if now_ms is not None else int(time.time() * 1000)
    entries, batch_paths = [], []
    for offset, group in enumerate(groups):
        tx = _safe_tx(group, state, where.network.chain_id, first_nonce + offset, call_only)
        batch_name = f"{stem}.json" if len(groups) == 1 else f"{stem}.nonce-{tx.nonce}.json"
        description = "; ".join(call.description for call in group if call.description)
        text = dump_batch(
            build_batch(
                chain_id=where.network.chain_id,
                safe=state.address,
                created_at_ms=created_at,
                description=description,
                name=name if len(groups) == 1 else f"{name}, {offset + 1} of {len(groups)}",
                transactions=[_batch_entry(call, labels or {}) for call in group],
            )
        )
        write_atomically(out_dir / batch_name, text)
        batch_paths.append(out_dir / batch_name)
        entries.append(SignedSafeTx(tx, batch_name, file_keccak(text), description))
    file = SafeTxFile(
        safe=state.address,
        chain_id=where.network.chain_id,
        safe_version=state.version,
        network=where.name,
        owners=state.owners,
        threshold=state.threshold,
        transactions=tuple(entries),
        product=product,
        plan=plan,
        multisend=call_only,
    )
    write_sidecar(sidecar_path, file)
    taken = range(first_nonce, first_nonce + len(groups))
    replaces = tuple(h for n, hashes in (queued or {}).items() if n in taken for h in hashes)
    return ExportResult(
        sidecar_path, tuple(batch_paths), file, state, nonce_from_chain=nonce is None, nonce=choice, replaces=replaces
    )


def _safe_tx(group: Sequence[SafeCall], state: SafeState, chain_id: int, nonce: int, call_only: str | None) -> SafeTx:
    if len(group) > 1:
        if call_only is None:
            raise ValueError("a SafeTx of several calls needs the MultiSendCallOnly address")
        inner = [MultiSendCall(to=call.to, value=call.value, data=call.data) for call in group]
        return multisend_safe_tx(
            inner, multisend=call_only, safe=state.address, chain_id=chain_id, safe_version=state.version, nonce=nonce
        )
    call = group[0]
    return SafeTx(
        safe=state.address,
        chain_id=chain_id,
        safe_version=state.version,
        to=call.to,
        value=call.value,
        data=call.data,
        operation=CALL,
        nonce=nonce,
    )


def _batch_entry(call: SafeCall, labels: Mapping[str, Label]) -> dict[str, Any]:
    method = call.method
    if method is None and len(call.data) >= 4:
        method = find_fragment(call.data[:4], labels.get(call.to), shipped_abis())
    if method is not None:
        try:
            args = decode([canonical_type(entry) for entry in method["inputs"]], call.data[4:])
            return batch_transaction(call.to, call.value, call.data, method=method, args=list(args))
        except (UsageError, DecodingError):
            pass  # a method the app cannot show (unnamed inputs, other encoding): the exact data alone
    return batch_transaction(call.to, call.value, call.data)


def _multisend_call_only(w3, where: NetworkChoice) -> str:
    address = where.network.contracts.multisend_call_only
    if address is None:
        raise NoMultiSendCallOnly(where.name, where.source, "is not set")
    try:
        code = w3.eth.get_code(address)
    except Exception as error:  # web3 raises many kinds for a failed read
        raise ChainError(f"cannot read the code at {address}: {error_line(error)}") from None
    if not code:
        raise NoMultiSendCallOnly(where.name, where.source, f"is {address}, where the chain has no contract")
    return address


def _refuse_to_overwrite_signatures(path: Path) -> None:
    if not path.is_file():
        return
    try:
        existing = load_sidecar(path.read_text(encoding="utf-8"), path=str(path))
    except (UsageError, OSError, UnicodeDecodeError):
        return  # not a valid sidecar: nothing of value to keep
    count = sum(len(entry.signatures) for entry in existing.transactions)
    if count:
        raise SidecarHoldsSignatures(path, count)
