"""Human formatting of amounts, prices, percentages and times."""

from __future__ import annotations

from datetime import UTC, datetime

from indexops.units import duration, gwei  # defined below every layer, so error messages read the same

__all__ = ["amount", "bar", "duration", "gwei", "percent", "timestamp", "usd"]


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


def percent(fraction: float | None, digits: int = 2) -> str:
    return "—" if fraction is None else f"{fraction * 100:.{digits}f}%"


def timestamp(seconds: int) -> str:
    if seconds == 0:
        return "never"
    return datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def bar(fraction: float, full_at: float = 0.25, width: int = 10) -> str:
    """A bar that is full at `full_at` (25%: DPI's cap), so small weights still show."""
    return "█" * max(0, min(width, round(fraction / full_at * width)))
