"""New targets from a methodologist's file: CSV (`symbol,weight` or `symbol,units`) or TOML (`[weights]` or
`[units]`)."""

from __future__ import annotations

import csv
import io
import math
import tomllib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from indexops.errors import UsageError

WEIGHT_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Targets:
    kind: str  # "weights" or "units"
    values: dict[str, float]  # weights, or units in whole tokens per set


class TargetsFileError(UsageError):
    def __init__(self, path: Path, problem: str):
        super().__init__(f"{path}: {problem}")


def load_targets(path: Path, known_symbols: set[str]) -> Targets:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TargetsFileError(path, "no such targets file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise TargetsFileError(path, f"cannot read it: {error}") from None
    targets = _parse_toml(path, text) if path.suffix.lower() == ".toml" else _parse_csv(path, text)
    for symbol, value in targets.values.items():
        if symbol not in known_symbols:
            raise TargetsFileError(path, f"unknown component {symbol!r}: it is not in the network's token book")
        if not math.isfinite(value) or value < 0:
            raise TargetsFileError(path, f"{symbol}: {targets.kind[:-1]} must be a non-negative number (got {value})")
    if targets.kind == "weights":
        total = sum(targets.values.values())
        if abs(total - 1) > WEIGHT_TOLERANCE:
            raise TargetsFileError(path, f"weights sum to {total:.12g}, not 1 (tolerance {WEIGHT_TOLERANCE:g})")
    return targets


def _parse_toml(path: Path, text: str) -> Targets:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise TargetsFileError(path, f"invalid TOML: {error}") from None
    kinds = [k for k in ("weights", "units") if k in data]
    extra = sorted(set(data) - {"weights", "units"})
    if len(kinds) != 1 or extra:
        raise TargetsFileError(path, "give exactly one table, [weights] or [units], and nothing else")
    values = {}
    for symbol, value in data[kinds[0]].items():
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TargetsFileError(path, f"{symbol}: not a number: {value!r}")
        values[symbol] = float(value)
    return Targets(kinds[0], values)


def _parse_csv(path: Path, text: str) -> Targets:
    rows = [row for row in csv.reader(io.StringIO(text)) if row and not row[0].lstrip().startswith("#")]
    if not rows or [c.strip().lower() for c in rows[0]] not in (["symbol", "weight"], ["symbol", "units"]):
        raise TargetsFileError(path, "the first line must be `symbol,weight` or `symbol,units`")
    kind = "weights" if rows[0][1].strip().lower() == "weight" else "units"
    values: dict[str, float] = {}
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != 2:
            raise TargetsFileError(path, f"line {number}: expected 2 columns, got {len(row)}")
        symbol, text_value = row[0].strip(), row[1].strip()
        if symbol in values:
            raise TargetsFileError(path, f"line {number}: duplicate component {symbol!r}")
        try:
            values[symbol] = float(Decimal(text_value))
        except InvalidOperation:
            raise TargetsFileError(path, f"line {number}: {symbol}: not a number: {text_value!r}") from None
    return Targets(kind, values)
