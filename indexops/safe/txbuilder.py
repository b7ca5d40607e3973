"""The Safe{Wallet} Transaction Builder batch file: build, checksum, load, and read back as calls.

A call whose ABI is known is written as the app writes its own ABI-based transactions: `data` null,
the method and its inputs set, so the app shows the function and its arguments and encodes the call
itself. Each is written only after reading its inputs back as the app reads them
(`txbuilder_values`) gives exactly the calldata. A call without an ABI carries its `data` alone,
which the app shows as custom hex data.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from eth_utils import keccak

from indexops.chain.calldata import contract_method, render_inputs_values
from indexops.errors import UsageError
from indexops.safe.errors import (
    ChecksumMismatch,
    InputsNotEncodable,
    MalformedBatchFile,
    MethodDataMismatch,
    WrongChain,
)
from indexops.safe.multisend import MultiSendCall
from indexops.safe.txbuilder_values import app_calldata
from indexops.values import checksummed, decimal_string, hex_bytes, unsigned

BATCH_VERSION = "1.0"
TX_BUILDER_VERSION = "1.18.3"


def batch_transaction(
    to: str,
    value: int = 0,
    data: bytes | str | None = None,
    *,
    method: Mapping[str, Any] | None = None,
    args: Sequence[Any] | Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """One entry of `transactions`.

    With an ABI function entry (`method`) and its `args`, the method and its inputs are written and
    `data` is left null for the app to encode; a `data` given as well must be exactly what the app
    will encode. Without a method, `data` is written as it is.
    """
    entry: dict[str, Any] = {
        "to": checksummed(to, "transaction.to"),
        "value": str(unsigned(value, "transaction.value")),
        "data": None,
        "contractMethod": None,
        "contractInputsValues": None,
    }
    payload = None if data is None else hex_bytes(data, "transaction.data")
    if method is not None:
        shaped = contract_method(method)
        values = render_inputs_values(shaped, [] if args is None else args)
        if payload is not None and app_calldata(shaped, values) != payload:
            raise MethodDataMismatch(None, shaped["name"])
        entry["contractMethod"] = shaped
        entry["contractInputsValues"] = values
    elif args is not None:
        raise UsageError("arguments were given without the ABI function they belong to")
    else:
        entry["data"] = "0x" + (payload or b"").hex()
    return entry


def build_batch(
    *,
    chain_id: int,
    safe: str,
    transactions: Sequence[Mapping[str, Any]],
    created_at_ms: int,
    name: str,
    description: str = "",
    owner: str | None = None,
    tx_builder_version: str = TX_BUILDER_VERSION,
) -> dict[str, Any]:
    """A complete batch file with `meta.checksum`; `created_at_ms` comes from the caller's clock."""
    if not transactions:
        raise UsageError("a batch needs at least one transaction")
    batch: dict[str, Any] = {
        "version": BATCH_VERSION,
        "chainId": str(unsigned(chain_id, "chain id")),
        "createdAt": unsigned(created_at_ms, "createdAt", bits=64),
        "meta": {
            "name": name,
            "description": description,
            "txBuilderVersion": tx_builder_version,
            "createdFromSafeAddress": checksummed(safe, "Safe address"),
            "createdFromOwnerAddress": "" if owner is None else checksummed(owner, "owner address"),
        },
        "transactions": [dict(entry) for entry in transactions],
    }
    problems = batch_shape_problems(batch)
    if problems:
        raise MalformedBatchFile("<new batch>", problems)
    batch["meta"]["checksum"] = batch_checksum(batch)
    return batch


def dump_batch(batch: Mapping[str, Any]) -> str:
    """The file text. Key order and spacing do not affect the checksum."""
    return json.dumps(batch, indent=2, ensure_ascii=False) + "\n"


def serialize_for_checksum(value: Any) -> str:
    """The app's own serialization (not JSON): objects as their sorted key list, then each value and a comma."""
    if isinstance(value, list):
        return "[" + ",".join(serialize_for_checksum(item) for item in value) + "]"
    if isinstance(value, dict):
        keys = sorted(value, key=_utf16_order)
        return "{" + _compact_json(keys) + "".join(serialize_for_checksum(value[key]) + "," for key in keys) + "}"
    return _compact_json(value)


def _utf16_order(key: str) -> bytes:
    # JavaScript's default sort compares UTF-16 code units, not code points
    return key.encode("utf-16-be", "surrogatepass")


def _compact_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def batch_checksum(batch: Mapping[str, Any]) -> str:
    """keccak256 of the serialization with `meta.checksum` absent and `meta.name` null."""
    meta = {key: value for key, value in batch["meta"].items() if key != "checksum"}
    meta["name"] = None
    return "0x" + keccak(serialize_for_checksum({**batch, "meta": meta}).encode("utf-8")).hex()


def verify_checksum(batch: Mapping[str, Any]) -> None:
    expected = batch_checksum(batch)
    found = batch["meta"].get("checksum")
    if not isinstance(found, str) or found.lower() != expected:
        raise ChecksumMismatch(expected, found if isinstance(found, str) else None)


def check_batch_chain(batch: Mapping[str, Any], chain_id: int) -> None:
    if batch["chainId"] != str(chain_id):
        raise WrongChain(chain_id, batch["chainId"])


def load_batch(text: str, *, path: str = "<batch file>") -> dict[str, Any]:
    """Parse and validate the shape; every problem is reported, one per line. The checksum is not checked here."""
    try:
        batch = json.loads(text)
    except json.JSONDecodeError as error:
        raise MalformedBatchFile(path, f"not JSON: {error.msg} at line {error.lineno} column {error.colno}") from None
    problems = batch_shape_problems(batch)
    if problems:
        raise MalformedBatchFile(path, problems)
    return batch


def batch_shape_problems(batch: Any) -> list[str]:
    if not isinstance(batch, dict):
        return ["top level must be a JSON object"]
    problems: list[str] = []
    if not isinstance(batch.get("version"), str):
        problems.append('version must be a string such as "1.0"')
    chain_id = batch.get("chainId")
    if not (isinstance(chain_id, str) and chain_id.isascii() and chain_id.isdigit()):
        problems.append(f"chainId must be a string of decimal digits, got {chain_id!r}")
    created_at = batch.get("createdAt")
    if isinstance(created_at, bool) or not isinstance(created_at, int) or created_at < 0:
        problems.append(f"createdAt must be a number of milliseconds, got {created_at!r}")
    problems.extend(_meta_problems(batch.get("meta")))
    transactions = batch.get("transactions")
    if not isinstance(transactions, list) or not transactions:
        problems.append("transactions must be a non-empty array")
    else:
        for index, entry in enumerate(transactions):
            problems.extend(f"transactions[{index}]: {problem}" for problem in _transaction_problems(entry))
    return problems


def _meta_problems(meta: Any) -> list[str]:
    if not isinstance(meta, dict):
        return ["meta must be an object"]
    problems = []
    if not isinstance(meta.get("name"), str):
        problems.append("meta.name must be a string")
    for key in ("description", "txBuilderVersion", "createdFromOwnerAddress"):
        if key in meta and not isinstance(meta[key], str):
            problems.append(f"meta.{key} must be a string")
    safe = meta.get("createdFromSafeAddress")
    if safe not in (None, ""):
        problems.extend(_problem(lambda: checksummed(safe, "meta.createdFromSafeAddress")))
    checksum = meta.get("checksum")
    if checksum is not None and not (isinstance(checksum, str) and len(checksum) == 66 and checksum.startswith("0x")):
        problems.append("meta.checksum must be 0x followed by 64 hex digits")
    return problems


def _transaction_problems(entry: Any) -> list[str]:
    if not isinstance(entry, dict):
        return ["must be an object"]
    problems = _problem(lambda: checksummed(entry.get("to"), "to"))
    problems += _problem(lambda: decimal_string(entry.get("value"), "value"))
    data = entry.get("data")
    if data is not None:
        problems += _problem(lambda: hex_bytes(data, "data"))
    method = entry.get("contractMethod")
    values = entry.get("contractInputsValues")
    if method is not None:
        problems += _method_problems(method)
    if values is not None and not (isinstance(values, dict) and all(isinstance(v, str) for v in values.values())):
        problems.append("contractInputsValues must be an object of strings (numbers too are strings)")
    if data is None and method is None:
        problems.append("needs data or contractMethod")
    if data is None and isinstance(method, dict) and (values is None or isinstance(values, dict)):
        inputs = method.get("inputs")
        if not isinstance(inputs, list):
            inputs = []
        missing = [i.get("name") for i in inputs if isinstance(i, dict) and i.get("name") not in (values or {})]
        if missing:
            problems.append(f"data is null and contractInputsValues lacks {missing}")
    return problems


def _method_problems(method: Any) -> list[str]:
    if not isinstance(method, dict):
        return ["contractMethod must be an object or null"]
    problems = []
    if not isinstance(method.get("name"), str):
        problems.append("contractMethod.name must be a string")
    if not isinstance(method.get("payable"), bool):
        problems.append("contractMethod.payable must be true or false")
    inputs = method.get("inputs")
    if not isinstance(inputs, list) or not all(_is_input(i) for i in inputs):
        problems.append("contractMethod.inputs must be an array of {internalType, name, type}")
    return problems


def _is_input(entry: Any) -> bool:
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not isinstance(entry.get("type"), str):
        return False
    if entry["type"].startswith("tuple"):
        return isinstance(entry.get("components"), list) and all(_is_input(c) for c in entry["components"])
    return True


def _problem(check) -> list[str]:
    try:
        check()
    except UsageError as error:
        return [str(error)]
    return []


def batch_calls(batch: Mapping[str, Any]) -> list[MultiSendCall]:
    """The calls a loaded batch makes: its `data`, or where that is null, the method encoded as the app encodes it."""
    calls = []
    for entry in batch["transactions"]:
        if entry.get("data") is not None:
            data = hex_bytes(entry["data"], "data")
        else:
            data = app_calldata(entry["contractMethod"], entry.get("contractInputsValues") or {})
        calls.append(MultiSendCall(to=entry["to"], value=int(entry["value"]), data=data))
    return calls


def check_readable_view(batch: Mapping[str, Any]) -> None:
    """Every method with inputs must read as the app reads it, and describe the call that is sent.

    Where `data` is null the app encodes the method (and sends `0x` when it cannot, without a word), so
    the inputs must encode. Where `data` is set the app runs it and shows no method, so inputs given
    beside it must encode to exactly that data: a mismatch would show signers one call and run another.
    """
    for index, entry in enumerate(batch["transactions"]):
        method, values = entry.get("contractMethod"), entry.get("contractInputsValues")
        if method is None or (values is None and entry.get("data") is not None):
            continue
        try:
            encoded = app_calldata(method, values or {})
        except UsageError as error:
            if entry.get("data") is not None:
                raise MethodDataMismatch(index, method.get("name", "?")) from None
            raise InputsNotEncodable(index, str(error)) from None
        if entry.get("data") is not None and encoded != hex_bytes(entry["data"], "data"):
            raise MethodDataMismatch(index, method["name"])
