"""`indexops wrap` / `unwrap`'s table and lines: the two positions before and after, the value moved."""

from __future__ import annotations

from collections.abc import Mapping

from rich.table import Table

from indexops.render.numbers import usd
from indexops.render.productive import tokens
from indexops.workflows.wrap import Prepared


def wrap_table(prepared: Prepared, dry_run: bool) -> Table:
    p = prepared.preview
    key, block = prepared.target.key, prepared.state.block_number + 1
    title = f"{key}: {p.action} {p.source.symbol} into {p.into.symbol}, simulated in block {block}"
    table = Table(title=title + (" (dry run: nothing is sent)" if dry_run else ""), title_justify="left")
    for name in ("position per set", "before", "after", "value per set after"):
        table.add_column(name, overflow="fold")
    for leg in (p.source, p.into):
        table.add_row(
            leg.symbol,
            tokens(leg.unit_before, leg.decimals, leg.symbol),
            tokens(leg.unit_after, leg.decimals, leg.symbol),
            usd(leg.value(leg.unit_after)),
        )
    table.add_row(
        "both",
        usd(p.value_per_set_before_usd),
        usd(p.value_per_set_after_usd),
        f"moved {usd(p.value_moved_per_set_usd)} a set, {usd(p.value_moved_usd)} in all",
    )
    return table


def wrapped_lines(prepared: Prepared, units: Mapping[str, int]) -> list[str]:
    p, lines = prepared.preview, []
    for leg in (p.source, p.into):
        now = units[leg.token]
        shown = (
            "as previewed" if now == leg.unit_after else f"previewed {tokens(leg.unit_after, leg.decimals, leg.symbol)}"
        )
        lines.append(f"  {leg.symbol}: {tokens(now, leg.decimals, leg.symbol)} per set ({shown})")
    return lines
