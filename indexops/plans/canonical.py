"""The one spelling of a plan as JSON, and the content hash over it.

Int rule (RFC 7493 "I-JSON", section 2.2): an int n with |n| <= 2**53 - 1 (JavaScript's
Number.MAX_SAFE_INTEGER, the largest n for which every reader's double holds n exactly, and no
neighbour rounds onto it) is written as a JSON number; every other int is written as a JSON
string of its decimal digits (`"-"` for negatives, no sign otherwise, no leading zeros). The
rule is the same for every int anywhere in the file: amounts, limits, units, gas, block numbers
and the ints inside a step's free-form `args`. A loader accepts exactly this: a JSON number
above the bound, or a string for an int within it, is refused. Because `args` carries no types,
a *string* argument that reads as such a big int (for example "90071992547409931") cannot be
told apart from an int and is refused when a plan is built.

Canonical JSON (what the content hash covers): that int rule, object keys sorted by code point,
separators "," and ":" with no whitespace, text as UTF-8 without escaping non-ASCII, floats as
Python's shortest round-trip `repr` (finite only), true/false/null as JSON has them.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Callable, Mapping
from typing import Any

MAX_SAFE_INT = 2**53 - 1
_BIG_INT_TEXT = re.compile(r"-?[1-9][0-9]{15,79}")

HASH_FIELD = "content_hash"


def encode_int(value: int) -> int | str:
    """An int as the file writes it: itself when safe for every JSON reader, else its digits."""
    return value if -MAX_SAFE_INT <= value <= MAX_SAFE_INT else str(value)


def decode_int_text(text: str) -> int | None:
    """The int a JSON string stands for under the int rule, or None if it is just text."""
    if not _BIG_INT_TEXT.fullmatch(text):
        return None
    value = int(text)
    return value if abs(value) > MAX_SAFE_INT else None


def to_document(value: Any) -> Any:
    """Plain Python (or a pydantic model) as the JSON-safe tree the file holds: ints by the rule."""
    return _walk(value, "", encode_int)


def to_json_tree(value: Any) -> Any:
    """The same walk with every int left as an int (for hashes never written to a file)."""
    return _walk(value, "", lambda number: number)


def dumps_canonical(tree: Any) -> bytes:
    """A JSON-safe tree (already walked) in canonical form."""
    return json.dumps(tree, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")


def canonical_json(plan_without_hash: Mapping[str, Any]) -> bytes:
    """The canonical JSON bytes of a mapping (plan fields, or a file's tree): see the module notes."""
    return dumps_canonical(to_document(plan_without_hash))


def content_hash(plan: Any) -> str:
    """`0x` + sha256 hex over the canonical JSON of every field except `content_hash`.

    `plan` is a `Plan`, or a mapping of its fields (as built, or as read from a file).
    """
    fields = _fields(plan)
    without = {key: value for key, value in fields.items() if key != HASH_FIELD}
    return "0x" + hashlib.sha256(canonical_json(without)).hexdigest()


def _fields(plan: Any) -> Mapping[str, Any]:
    if hasattr(plan, "model_dump"):
        return plan.model_dump(mode="python")
    if isinstance(plan, Mapping):
        return plan
    raise TypeError(f"expected a Plan or a mapping of its fields, got {type(plan).__name__}")


def _walk(value: Any, path: str, on_int: Callable[[int], Any]) -> Any:
    if hasattr(value, "model_dump"):
        value = value.model_dump(mode="python")
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return on_int(int(value))
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{path or 'value'}: {value!r} is not a finite number")
        return value
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError(f"{path or 'value'}: text is not valid Unicode (lone surrogate)") from None
        return value
    if isinstance(value, Mapping):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError(f"{path or 'value'}: key {key!r} is not a string")
            out[key] = _walk(item, f"{path}.{key}" if path else key, on_int)
        return out
    if isinstance(value, (list, tuple)):
        return [_walk(item, f"{path}[{index}]", on_int) for index, item in enumerate(value)]
    raise ValueError(f"{path or 'value'}: a {type(value).__name__} has no JSON form here")
