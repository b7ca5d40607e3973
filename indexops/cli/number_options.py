"""Parsers of the numeric flags (gas prices, waits): anything but a sane number is one line naming the flag.

Click's own checks let `nan` through, turn `inf` into a crash further on and print a usage block;
these raise a `UsageError`, which the CLI prints as one line with exit code 2.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

from indexops.errors import UsageError
from indexops.limits import MAX_GAS_PRICE_GWEI, MAX_WAIT_SECONDS

SHOWN_CHARACTERS = 24  # of a rejected value: enough to recognise it, never a pasted page
_WHOLE = re.compile(r"[0-9]{1,12}")


class BadNumber(UsageError):
    def __init__(self, flag: str, text: object, problem: str):
        shown = str(text) if len(str(text)) <= SHOWN_CHARACTERS else str(text)[:SHOWN_CHARACTERS] + "…"
        super().__init__(f"{flag} {shown}: {problem}")


def gas_price_gwei(flag: str, *, zero_allowed: bool) -> Callable[[str], float]:
    """A gas price in gwei: finite, not negative (nor zero for a cap), at most `MAX_GAS_PRICE_GWEI`."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise BadNumber(flag, text, "expected a gas price in gwei, e.g. 30 or 0.5") from None
        if not math.isfinite(value):
            raise BadNumber(flag, text, "expected a finite gas price in gwei")
        if value < 0:
            raise BadNumber(flag, text, "a gas price cannot be negative")
        if value == 0 and not zero_allowed:
            raise BadNumber(flag, text, "a cap must be above 0 gwei")
        if value > MAX_GAS_PRICE_GWEI:
            raise BadNumber(flag, text, f"more than {MAX_GAS_PRICE_GWEI:,} gwei is not a gas price any chain charges")
        return value

    return parse


def seconds(flag: str, *, minimum: int) -> Callable[[str], int]:
    """A wait in whole seconds from `minimum` to `MAX_WAIT_SECONDS`."""

    def parse(text: str) -> int:
        digits = str(text).strip()
        if not _WHOLE.fullmatch(digits) or not minimum <= int(digits) <= MAX_WAIT_SECONDS:
            raise BadNumber(flag, text, f"expected a whole number of seconds from {minimum} to {MAX_WAIT_SECONDS:,}")
        return int(digits)

    return parse


def percent_move(flag: str) -> Callable[[str], float]:
    """A price move in percent: finite, above -100 (a price cannot fall to zero or below)."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise BadNumber(flag, text, "expected a move in percent, e.g. -25 or 10") from None
        if not math.isfinite(value):
            raise BadNumber(flag, text, "expected a finite move in percent")
        if value <= -100:
            raise BadNumber(flag, text, "a price cannot fall by 100% or more")
        return value

    return parse


def usd_price(flag: str) -> Callable[[str], float]:
    """A price in USD: finite and above 0."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise BadNumber(flag, text, "expected a price in USD, e.g. 2500") from None
        if not math.isfinite(value) or value <= 0:
            raise BadNumber(flag, text, "expected a finite price in USD above 0")
        return value

    return parse
