"""Plan files: seal a plan, write it atomically, load it back exactly or refuse in one line.

A file is the plan's document (ints by the int rule in `canonical`) pretty-printed with sorted
keys and a final newline, so identical plans give byte-identical files. Loading checks, in order:
the file exists and is JSON, its schema version, its shape (naming the key path), and last that
the content hash matches, so an edit to any value after writing is refused.
"""

from __future__ import annotations

import json
import math
import os
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from indexops.plans.canonical import HASH_FIELD, content_hash, to_document
from indexops.plans.errors import (
    SCHEMA_VERSION,
    InvalidPlan,
    PlanFileMalformed,
    PlanFileMissing,
    PlanFileNotJson,
    PlanFileUnreadable,
    PlanHashMismatch,
    PlanNameUnsafe,
    PlanNotCanonical,
    PlanSchemaTooNew,
    PlanSchemaUnknown,
    PlanWriteFailed,
    UnsealedPlan,
    first_problem,
)
from indexops.plans.fields import UNSEALED, context
from indexops.plans.model import Plan, plan_from_document

_PLACEHOLDER_HASH = "0x" + "0" * 64
_NAME_PART = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def seal(unsealed_plan_fields: Mapping[str, Any]) -> Plan:
    """A valid `Plan` from its fields, with `content_hash` computed (any given one is replaced).

    `schema_version` defaults to the current one. Raises `InvalidPlan` naming the first problem.
    """
    fields = {**unsealed_plan_fields, HASH_FIELD: _PLACEHOLDER_HASH}
    fields.setdefault("schema_version", SCHEMA_VERSION)
    try:
        draft = Plan.model_validate(fields, context=context(UNSEALED))
        digest = content_hash(draft)
    except ValidationError as error:
        raise InvalidPlan(first_problem(error)) from None
    except ValueError as error:
        raise InvalidPlan(str(error)) from None
    return draft.model_copy(update={HASH_FIELD: digest})


def render_plan(plan: Plan) -> bytes:
    """The exact bytes `write_plan` writes for `plan`."""
    if not isinstance(plan, Plan):
        raise TypeError(f"expected a Plan, got {type(plan).__name__}")
    if (computed := content_hash(plan)) != plan.content_hash:
        raise UnsealedPlan(plan.content_hash, computed)
    text = json.dumps(to_document(plan), indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False)
    return (text + "\n").encode("utf-8")


def write_plan(plan: Plan, path: str | os.PathLike[str]) -> Path:
    """Write `plan` to `path` atomically (temp file in the same folder, then rename); returns the path."""
    target = Path(path)
    payload = render_plan(plan)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as error:
        raise PlanWriteFailed(target, error.strerror or str(error)) from None
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(payload)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except OSError as error:
        _remove_quietly(temporary)
        raise PlanWriteFailed(target, error.strerror or str(error)) from None
    except BaseException:
        _remove_quietly(temporary)
        raise
    _sync_folder(target.parent)
    return target


def load_plan(path: str | os.PathLike[str]) -> Plan:
    """The plan saved at `path`, exactly as written, or a `PlanFileError` saying in one line why not."""
    source = Path(path)
    document = _read_document(source)
    if not isinstance(document, dict):
        raise PlanFileMalformed(source, f"the top level is {_kind(document)}; a plan is a JSON object")
    _check_schema_version(source, document)
    try:
        plan = plan_from_document(document)
    except ValidationError as error:
        raise PlanFileMalformed(source, first_problem(error)) from None
    try:
        computed = content_hash(document)
    except ValueError as error:
        raise PlanFileMalformed(source, str(error)) from None
    if computed != document[HASH_FIELD].lower():
        raise PlanHashMismatch(source, document[HASH_FIELD], computed)
    if content_hash(plan) != plan.content_hash:
        raise PlanNotCanonical(source)
    return plan


def default_plan_path(data_dir: str | os.PathLike[str], product: str, network: str, block_number: int) -> Path:
    """`<data_dir>/plans/<product>-<network>-<block>.json`."""
    for what, value in (("product", product), ("network", network)):
        if not isinstance(value, str) or not _NAME_PART.fullmatch(value):
            raise PlanNameUnsafe(what, str(value))
    if isinstance(block_number, bool) or not isinstance(block_number, int) or block_number < 0:
        raise PlanNameUnsafe("block number", str(block_number))
    return Path(data_dir) / "plans" / f"{product}-{network}-{block_number}.json"


def _read_document(source: Path) -> Any:
    try:
        raw = source.read_bytes()
    except FileNotFoundError:
        raise PlanFileMissing(source) from None
    except IsADirectoryError:
        raise PlanFileUnreadable(source, "it is a folder") from None
    except OSError as error:
        raise PlanFileUnreadable(source, error.strerror or str(error)) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise PlanFileNotJson(source, f"not UTF-8 text at byte {error.start}") from None
    try:
        return json.loads(
            text, object_pairs_hook=_no_duplicate_keys, parse_constant=_no_constant, parse_float=_finite_float
        )
    except json.JSONDecodeError as error:
        raise PlanFileNotJson(source, f"line {error.lineno}, column {error.colno}: {error.msg}") from None
    except (ValueError, RecursionError) as error:
        raise PlanFileNotJson(source, str(error) or type(error).__name__) from None


def _check_schema_version(source: Path, document: dict[str, Any]) -> None:
    if "schema_version" not in document:
        raise PlanFileMalformed(source, "schema_version: missing")
    version = document["schema_version"]
    if isinstance(version, int) and not isinstance(version, bool):
        if version == SCHEMA_VERSION:
            return
        if version > SCHEMA_VERSION:
            raise PlanSchemaTooNew(source, version)
    raise PlanSchemaUnknown(source, version)


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document: dict[str, Any] = {}
    for key, value in pairs:
        if key in document:
            raise ValueError(f"the key {key!r} appears twice in one object")
        document[key] = value
    return document


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number a plan can hold")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is too large for a number a plan can hold")
    return value


def _kind(value: object) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "text"
    if value is None:
        return "null"
    return "a number" if isinstance(value, (int, float)) and not isinstance(value, bool) else "true/false"


def _remove_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _sync_folder(folder: Path) -> None:
    """Make the rename durable where the platform allows it (POSIX); best effort elsewhere."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
