"""Human formatting of amounts, prices, percentages and times."""

from __future__ import annotations

import math
from datetime import datetime, timezone


def amount(value: float | None, digits: int = 4) -> str:
    if value is None:
        return "—"
    if value == 0:
        return "0"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:,.2f}"
    return f"{value:.{digits}g}"


def usd(value: float | None) -> str:
    if value is None:
        return "—"
    return f"${value:,.2f}" if abs(value) < 1e6 else f"${value:,.0f}"


def gwei(value: float) -> str:
    """A gas price in gwei: two decimals from 1 gwei up, three significant digits below (0.0015, 0.000000007)."""
    if value == 0 or abs(value) >= 1:
        return f"{value:,.2f}" if value else "0"
    decimals = 2 - math.floor(math.log10(abs(value)))
    return f"{value:.{decimals}f}".rstrip("0").rstrip(".")


def percent(fraction: float | None, digits: int = 2) -> str:
    return "—" if fraction is None else f"{fraction * 100:.{digits}f}%"


def timestamp(seconds: int) -> str:
    if seconds == 0:
        return "never"
    return datetime.fromtimestamp(seconds, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


DURATION_UNITS = (("d", 86_400), ("h", 3_600), ("min", 60), ("s", 1))


def duration(seconds: float) -> str:
    """A span of time in its two largest units, rounded to the smaller: 45 s, 5 min 1 s, 18 h 40 min, 2 d 3 h.

    Every place that shows a duration to a person uses this; machine output (`--json`) keeps seconds.
    Under ten seconds a fraction is kept to a tenth (2.5 s).
    """
    tenths = round(seconds, 1)
    if 0 < tenths < 10 and tenths != int(tenths):
        return f"{tenths:.1f} s"
    whole = round(seconds)
    if whole <= 0:
        return "0 s"
    largest = next(i for i, (_, size) in enumerate(DURATION_UNITS) if whole >= size)
    smaller = DURATION_UNITS[min(largest + 1, len(DURATION_UNITS) - 1)][1]
    rounded = (whole + smaller // 2) // smaller * smaller
    if largest > 0 and rounded >= DURATION_UNITS[largest - 1][1]:  # 23 h 59 min 50 s rounds to 1 d
        return duration(rounded)
    parts = []
    for name, size in DURATION_UNITS[largest:largest + 2]:
        count, rounded = divmod(rounded, size)
        if count:
            parts.append(f"{count} {name}")
    return " ".join(parts)


def bar(fraction: float, full_at: float = 0.25, width: int = 10) -> str:
    """A bar that is full at `full_at` (25%: DPI's cap), so small weights still show."""
    return "█" * max(0, min(width, round(fraction / full_at * width)))
