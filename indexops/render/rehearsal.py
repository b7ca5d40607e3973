"""The rehearsal's table: each step on the fork, its gas, and the WETH it moved against the plan."""

from __future__ import annotations

from rich.table import Table

from indexops.render.numbers import amount


def rehearsal_table(plan, rehearsal) -> Table:
    table = Table(title=f"Rehearsal of {plan.product} on a fork at block {rehearsal.fork_block}", title_justify="left")
    for name in ("#", "step", "result", "gas", "WETH planned", "WETH actual", "Δ"):
        table.add_column(name, justify="right" if name in ("gas", "WETH planned", "WETH actual", "Δ") else "left")
    for step in rehearsal.steps:
        planned = step.expected_weth / 1e18 if step.expected_weth is not None else None
        actual = step.actual_weth / 1e18 if step.actual_weth is not None else None
        delta = f"{(actual / planned - 1) * 10_000:+.1f} bps" if planned and actual is not None else "—"
        table.add_row(
            str(step.index),
            step.description,
            "[green]ok[/]" if step.ok else f"[red]{step.reason}[/]",
            f"{step.gas_used:,}",
            amount(planned),
            amount(actual),
            delta,
        )
    table.add_row(
        "",
        "total",
        f"{len(rehearsal.steps) - len(rehearsal.failed)}/{len(rehearsal.steps)} ok",
        f"{rehearsal.gas_used:,}",
        "",
        "",
        "",
    )
    return table
