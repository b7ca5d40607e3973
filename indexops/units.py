"""How durations and gas prices read for people, in every layer: tables, progress lines and error messages.

Plain functions of plain numbers, imported by nothing but the standard library, so that any layer's
messages can use them (`render.numbers` re-exports them for the tables).
"""

from __future__ import annotations

import math

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
    for name, size in DURATION_UNITS[largest : largest + 2]:
        count, rounded = divmod(rounded, size)
        if count:
            parts.append(f"{count} {name}")
    return " ".join(parts)


def gwei(value: float) -> str:
    """A gas price in gwei: two decimals from 1 gwei up, three significant digits below (0.0015, 0.000000007)."""
    if value == 0 or abs(value) >= 1:
        return f"{value:,.2f}" if value else "0"
    decimals = 2 - math.floor(math.log10(abs(value)))
    return f"{value:.{decimals}f}".rstrip("0").rstrip(".")
