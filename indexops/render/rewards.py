"""`indexops rewards`'s tables and lines: what a claim collects, what an absorb makes a position, what they did."""

from __future__ import annotations

from collections.abc import Mapping

from rich.table import Table

from indexops.render.numbers import usd
from indexops.render.productive import tokens
from indexops.workflows.rewards import Prepared

DRY_RUN = " (dry run: nothing is sent)"


def claim_table(prepared: Prepared, dry_run: bool) -> Table:
    key, block = prepared.target.key, prepared.claim_block
    title = f"{key}: rewards a claim collects, simulated in block {block}" + (DRY_RUN if dry_run else "")
    table = Table(title=title, title_justify="left")
    for name in ("reward pool", "token", "held now", "claimable", "held after", "value", "gas"):
        table.add_column(name, overflow="fold")
    for c in prepared.claims:
        table.add_row(
            f"{c.pool}\n{c.integration}",
            c.symbol,
            tokens(c.held_wei, c.decimals, c.symbol),
            tokens(c.claimable_wei, c.decimals, c.symbol),
            tokens(c.held_after_wei, c.decimals, c.symbol),
            usd(c.value_usd) + (f"\npriced as the book's {c.priced_as}" if c.priced_as else ""),
            f"{c.gas:,}",
        )
    return table


def claimed_lines(prepared: Prepared, held: Mapping[str, int]) -> list[str]:
    """The SetToken's balance of each claimed token after the claim, against the preview."""
    key, lines = prepared.target.key, []
    for c in prepared.claims:
        now = held[c.token]
        said = f"{key}'s SetToken now holds {tokens(now, c.decimals, c.symbol)}"
        if now == c.held_after_wei:
            lines.append(f"  {said}, as previewed to the wei")
        else:
            lines.append(f"  {said}, {tokens(now - c.held_after_wei, c.decimals, c.symbol)} off the preview")
        lines.append(
            f"  a balance, not a position: `indexops rewards absorb {key} {c.symbol}` makes it one "
            "(issuance then requires it), or leave it for the manager"
        )
    return lines


def absorb_table(prepared: Prepared, dry_run: bool) -> Table:
    key, block = prepared.target.key, prepared.claim_block
    title = f"{key}: positions an absorb makes, simulated in block {block}" + (DRY_RUN if dry_run else "")
    table = Table(title=title, title_justify="left")
    for name in ("token", "SetToken holds", "unit per set before", "after", "value per set after"):
        table.add_column(name, overflow="fold")
    for a in prepared.absorbs:
        table.add_row(
            a.symbol,
            tokens(a.balance_wei, a.decimals, a.symbol),
            tokens(a.unit_before, a.decimals, a.symbol),
            tokens(a.unit_after, a.decimals, a.symbol),
            usd(a.value_per_set_usd) + (f"\npriced as the book's {a.priced_as}" if a.priced_as else ""),
        )
    return table


def absorbed_lines(prepared: Prepared, units: Mapping[str, int]) -> list[str]:
    key, lines = prepared.target.key, []
    for a in prepared.absorbs:
        now = units[a.token]
        shown = "as previewed" if now == a.unit_after else f"previewed {tokens(a.unit_after, a.decimals, a.symbol)}"
        lines.append(
            f"  {a.symbol} is a position of {tokens(now, a.decimals, a.symbol)} per set ({shown}): "
            f"issuing {key} now requires it"
        )
    return lines
