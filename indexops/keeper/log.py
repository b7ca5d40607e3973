"""The keeper's lines: one per decision (product, block, action, reason, fee, tx hash if sent), and one per
event (mined, replaced, reconciled, an error), as a human line or one JSON object per line."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, TextIO

GWEI = 10**9


@dataclass(frozen=True)
class Line:
    kind: str  # decision, paused, sent, mined, bumped, waiting, reconciled, error
    product: str
    block: int
    action: str | None = None
    reason: str | None = None
    gas: str | None = None  # send / wait / nothing
    why: str | None = None
    max_fee_gwei: float | None = None
    priority_fee_gwei: float | None = None
    tx_hash: str | None = None
    nonce: int | None = None
    attempt: int | None = None
    detail: str | None = None

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def gwei(wei: int | None) -> float | None:
    return None if wei is None else wei / GWEI


def _fee(line: Line) -> str:
    if line.max_fee_gwei is None:
        return ""
    tip = "" if line.priority_fee_gwei is None else f", tip {line.priority_fee_gwei:.4g} gwei"
    return f"; max fee {line.max_fee_gwei:.4g} gwei{tip}"


def human(line: Line) -> str:
    head = f"block {line.block} {line.product}:"
    tx = f" tx {line.tx_hash}" if line.tx_hash else ""
    nonce = f" nonce {line.nonce}" if line.nonce is not None else ""
    if line.kind == "decision":
        why = f" - {line.gas}: {line.why}" if line.why else ""
        return f"{head} {line.action} ({line.reason}){why}{_fee(line)}{tx}"
    what = f" {line.action}" if line.action else ""
    attempt = f" attempt {line.attempt}" if line.attempt is not None else ""
    detail = f": {line.detail}" if line.detail else ""
    return f"{head} {line.kind}{what}{attempt}{nonce}{_fee(line)}{tx}{detail}"


def writer(log_format: str, out: TextIO | None = None) -> Callable[[Line], None]:
    """Print each line to `out` (stdout) at once, human or JSON."""

    def write(line: Line) -> None:
        stream = out if out is not None else sys.stdout
        text = json.dumps(line.as_json()) if log_format == "json" else human(line)
        stream.write(text + "\n")
        stream.flush()

    return write
