"""`indexops report pnl`'s charts, month by month: revenue, gas and each party's net, in the terminal (plotext)
and as a PNG (matplotlib, the optional extra `indexops[charts]`, imported only for --png)."""

from __future__ import annotations

from pathlib import Path

from indexops.errors import UsageError
from indexops.report.pnl.totals import PnlTotals

SERIES = (  # name, the Figures property it plots, the terminal's marker
    ("revenue", "revenue", "●"),
    ("gas", "gas", "×"),
    ("operator net", "operator_net", "▲"),
    ("methodologist net", "methodologist_net", "■"),
)


Y_TICKS = 4  # intervals on the terminal chart's USD axis


class ChartsMissing(UsageError):
    def __init__(self) -> None:
        super().__init__("--png needs matplotlib: pip install 'indexops[charts]'")


def require_matplotlib() -> None:
    """Before any chain read: --png without the extra stops here, in one line."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise ChartsMissing() from None


def _series(totals: PnlTotals) -> list[tuple[str, list[float], str]]:
    return [(name, [getattr(m.figures, field) for m in totals.months], mark) for name, field, mark in SERIES]


def terminal_chart(totals: PnlTotals, width: int = 100, height: int = 24, colorless: bool = False) -> str:
    """The chart as text (ANSI colors unless `colorless`); empty when the range has no month with entries."""
    import plotext

    if not totals.months:
        return ""
    figure = plotext.figure
    figure.clear()
    plotext.terminal.limit(False, False)  # the size asked for, not the terminal's (a pipe has none)
    figure.plot_size(width, height)
    positions = list(range(1, len(totals.months) + 1))
    for _, values, marker in _series(totals):
        figure.draw(figure.signal(positions, values, marker=marker).lines(True))
    figure.ruler("x").ticks(positions, labels=[m.month for m in totals.months])
    everything = [value for _, values, _ in _series(totals) for value in values]
    low, high = min(0.0, *everything), max(0.0, *everything)
    steps = [low + (high - low) * i / Y_TICKS for i in range(Y_TICKS + 1)]
    figure.ruler("y").ticks(steps, labels=[_short_usd(step) for step in steps])
    figure.title(f"{totals.product_key} on {totals.network}: each month, USD")
    figure.legend(False)  # a key below the chart: inside, it hides the first months
    key = "   ".join(f"{marker} {name}" for name, _, marker in SERIES)
    return figure.build().string(colorless=colorless).rstrip("\n") + "\n" + key.center(width).rstrip()


def _short_usd(value: float) -> str:
    size = abs(value)
    for unit, scale in (("M", 1e6), ("k", 1e3)):
        if size >= scale:
            return f"{'-' if value < 0 else ''}${size / scale:,.{0 if size >= 100 * scale else 1}f}{unit}"
    return f"{'-' if value < 0 else ''}${size:,.0f}"


def save_png(totals: PnlTotals, path: Path) -> None:
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    months = [m.month for m in totals.months]
    figure = Figure(figsize=(max(6.0, 1.2 * len(months) + 3), 4.5), layout="constrained")
    axes = figure.subplots()
    width = 0.8 / len(SERIES)
    for index, (name, values, _) in enumerate(_series(totals)):
        offset = (index - (len(SERIES) - 1) / 2) * width
        axes.bar([i + offset for i in range(len(months))], values, width, label=name)
    axes.axhline(0, color="black", linewidth=0.8)
    axes.set_xticks(range(len(months)), months)
    axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{'-' if value < 0 else ''}${abs(value):,.0f}"))
    axes.set_title(f"{totals.product_key} on {totals.network}, blocks {totals.from_block}..{totals.to_block}")
    figure.legend(loc="outside lower center", ncols=len(SERIES), frameon=False)
    try:
        figure.savefig(path, format="png", dpi=120)
    except OSError as error:
        raise UsageError(f"--png {path}: {error.strerror or error}") from None
