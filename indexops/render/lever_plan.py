"""Rich review tables of a lever plan (route "fli"): where the position starts, each chunk, where it ends."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

from indexops.render.numbers import amount, duration
from indexops.routes.fli.chunks import lever_action
from indexops.routes.fli.settings import Row, plan_rows

PRECISE = 10**18


def lever_review_tables(plan, path: str | None = None) -> list:
    if lever_action([step.function for step in plan.steps]) == "settings":
        return [_settings_overview(plan, path), settings_table(plan_rows_of(plan)), _calls(plan)]
    return [_overview(plan, path), _chunks(plan)]


def plan_rows_of(plan) -> list[Row]:
    collateral, _borrow = _assets(plan)
    return plan_rows(plan.state, plan.steps, collateral.get("symbol", ""), int(collateral.get("decimals", 18)))


def settings_table(rows) -> Table:
    table = Table(title="Settings: old → new", title_justify="left")
    for name in ("setting", "now", "", "after"):
        table.add_column(name)
    for row in rows:
        table.add_row(row.key, row.old, "→", f"[bold]{escape(row.new)}[/]")
    return table


def _settings_overview(plan, path: str | None) -> Table:
    state = plan.state
    table = Table(title=f"Settings plan: {plan.product} on {plan.network}", show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    table.add_row("block", f"{plan.snapshot.block_number}  {plan.snapshot.block_hash[:18]}…")
    table.add_row("strategy", str(state.get("strategy", "?")))
    table.add_row("operator", str(state.get("operator", "?")))
    table.add_row("created", plan.created_at)
    if path:
        table.add_row("plan file", escape(path))
    table.add_row("content hash", plan.content_hash)
    return table


def _calls(plan) -> Table:
    table = Table(title="Calls (operator)", title_justify="left")
    for name in ("#", "call", "what"):
        table.add_column(name)
    for step in plan.steps:
        table.add_row(str(step.index), step.function.split("(")[0], escape(step.description))
    return table


def _assets(plan) -> tuple[dict, dict]:
    assets = plan.state.get("assets", {})
    unknown = {"symbol": "?", "decimals": 18}
    return assets.get("collateral", unknown), assets.get("borrow", unknown)


def _action(plan) -> str:
    action = lever_action([step.function for step in plan.steps])
    if action == "engage" and plan.steps and not plan.steps[0].function.startswith("engage("):
        return "finish the TWAP of"
    return action


def _overview(plan, path: str | None) -> Table:
    collateral, borrow = _assets(plan)
    state = plan.state
    table = Table(
        title=f"Lever plan: {_action(plan)} {plan.product} on {plan.network}", show_header=False, title_justify="left"
    )
    table.add_column(style="bold")
    table.add_column()
    table.add_row("block", f"{plan.snapshot.block_number}  {plan.snapshot.block_hash[:18]}…")
    table.add_row("strategy", str(state.get("strategy", "?")))
    table.add_row("operator", str(state.get("operator", "?")))
    last = plan.steps[-1].expected if plan.steps else {}
    ratio_after = last.get("ratio_after", state.get("ratio", 0))
    table.add_row("leverage ratio", f"{state.get('ratio', 0) / PRECISE:.4f}x → {ratio_after / PRECISE:.4f}x")
    twap = state.get("twap_leverage_ratio", 0)
    table.add_row("TWAP", f"{twap / PRECISE:.4f}x in progress" if twap else "none")
    if "collateral_after" in last:
        table.add_row(
            "collateral",
            f"{_units(state.get('collateral_balance', 0), collateral)} → "
            f"{_units(last['collateral_after'], collateral)}",
        )
        table.add_row(
            "debt", f"{_units(state.get('borrow_balance', 0), borrow)} → {_units(last['borrow_after'], borrow)}"
        )
    table.add_row(
        "chunks",
        f"{plan.totals.transactions}, over {duration(plan.totals.duration_seconds)}"
        if plan.totals.duration_seconds
        else str(plan.totals.transactions),
    )
    table.add_row("gas", f"{plan.totals.gas:,}")
    table.add_row("created", plan.created_at)
    if path:
        table.add_row("plan file", escape(path))
    table.add_row("content hash", plan.content_hash)
    return table


def _chunks(plan) -> Table:
    collateral, borrow = _assets(plan)
    table = Table(title="Steps", title_justify="left")
    for name in (
        "#",
        "signer",
        "call",
        "exchange",
        "sells",
        "receives at least",
        "expected",
        "ratio after",
        "then wait",
    ):
        table.add_column(
            name, justify="right" if name in ("sells", "receives at least", "expected", "ratio after") else "left"
        )
    for step in plan.steps:
        function = step.function.split("(")[0]
        expected, limits = step.expected, step.limits
        lever = step.side == "buy"
        sold, bought = (borrow, collateral) if lever else (collateral, borrow)
        table.add_row(
            str(step.index),
            step.signer_role,
            function,
            str(step.args.get("_exchangeName", "—")),
            _units(expected["send"], sold) if "send" in expected else "—",
            _units(limits["min_receive"], bought) if "min_receive" in limits else "—",
            _units(expected["receive"], bought) if "receive" in expected else "—",
            f"{expected['ratio_after'] / PRECISE:.4f}x" if "ratio_after" in expected else "—",
            duration(step.cool_off_after) if step.cool_off_after and step.index < len(plan.steps) - 1 else "—",
        )
    return table


def _units(base_units: int, asset: dict) -> str:
    return f"{amount(base_units / 10 ** int(asset.get('decimals', 18)))} {asset.get('symbol', '?')}"
