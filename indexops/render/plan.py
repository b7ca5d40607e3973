"""Rich review tables of a plan file: what must trade, where, in how many pieces, at what limits and cost."""

from __future__ import annotations

from collections import defaultdict

from rich.markup import escape
from rich.table import Table

from indexops.render.numbers import amount, bar, duration, percent, usd


def review_tables(plan, path: str | None = None) -> list:
    if plan.route == "fli":
        from indexops.render.lever_plan import lever_review_tables

        return lever_review_tables(plan, path)
    return [
        _overview(plan, path),
        _weights(plan),
        *_setup(plan),
        *_trades(plan),
        *_batches(plan),
        _totals(plan),
        *_skipped(plan),
    ]


def _overview(plan, path: str | None) -> Table:
    table = Table(title=f"Rebalance plan: {plan.product} on {plan.network}", show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    table.add_row("block", f"{plan.snapshot.block_number}  {plan.snapshot.block_hash[:18]}…")
    table.add_row("route", plan.route)
    table.add_row("SetToken", plan.set_token)
    table.add_row("created", plan.created_at)
    if path:
        table.add_row("plan file", escape(path))
    table.add_row("content hash", plan.content_hash)
    return table


def _weights(plan) -> Table:
    table = Table(title="Weights", title_justify="left")
    for name in ("component", "current", "", "target", "", "Δ pp"):
        table.add_column(name, justify="right" if name in ("current", "target", "Δ pp") else "left")
    for row in plan.targets:
        table.add_row(
            row.symbol,
            percent(row.current_weight),
            bar(row.current_weight),
            percent(row.target_weight),
            f"[cyan]{bar(row.target_weight)}[/]",
            f"{(row.target_weight - row.current_weight) * 100:+.2f}",
        )
    return table


def _setup(plan) -> list:
    steps = [s for s in plan.steps if s.phase != "trade"]
    if not steps:
        return []
    table = Table(title="Operator set-up", title_justify="left")
    for name in ("#", "signer", "call", "what"):
        table.add_column(name)
    for step in steps:
        table.add_row(str(step.index), step.signer_role, step.function.split("(")[0], step.description)
    return [table]


def _batches(plan) -> list:
    steps = [s for s in plan.steps if s.phase == "trade" and s.component is None]
    if not steps:
        return []
    table = Table(title="Batched transactions", title_justify="left")
    for name in ("#", "round", "trades", "gas", "what"):
        table.add_column(name, justify="right" if name in ("trades", "gas") else "left")
    for step in steps:
        table.add_row(
            str(step.index),
            f"{step.side} {step.chunk}",
            str(step.expected.get("trades", "")),
            f"{step.gas_estimate:,}",
            step.description,
        )
    return [table]


def _trades(plan) -> list:
    eth_usd = plan.totals.eth_usd
    decimals = {row.symbol: row.decimals for row in plan.targets}
    by_component = defaultdict(list)
    for step in plan.steps:
        if step.phase == "trade" and step.component is not None:
            by_component[step.component].append(step)
    if not by_component:
        return []
    table = Table(title="Trades (sells first: they fund the buys)", title_justify="left")
    for name in ("component", "side", "quantity", "notional", "venues", "calls", "max impact", "limit", "cool-off"):
        table.add_column(name, justify="left" if name in ("component", "side", "venues") else "right")
    for component, steps in by_component.items():
        quantity = sum(s.expected["component_amount"] for s in steps) / 10 ** decimals[component]
        weth = sum(s.expected["weth_amount"] for s in steps) / 1e18
        venues = sorted({s.venue for s in steps})
        side = steps[0].side
        table.add_row(
            component,
            "[red]sell[/]" if side == "sell" else "[green]buy[/]",
            amount(quantity),
            usd(weth * eth_usd),
            ", ".join(venues),
            str(len(steps)),
            f"{max(s.expected.get('impact_ppm', 0) for s in steps) / 100:.0f} bps",
            _limit(steps, decimals[component]),
            duration(steps[0].cool_off_after) if len(steps) > 1 else "—",
        )
    return [table]


def _limit(steps, decimals: int) -> str:
    """The steps' limits, summed: WETH for GIM trades, per-set units received for TradeModule trades."""
    first = steps[0].limits
    if "min_weth_received" in first or "max_weth_spent" in first:
        weth = sum(next(iter(s.limits.values())) for s in steps) / 1e18
        return f"{'≥' if 'min_weth_received' in first else '≤'} {amount(weth)} WETH"
    units = sum(s.limits["min_receive_units"] for s in steps)
    scale = 1e18 if steps[0].side == "sell" else 10**decimals
    return f"≥ {amount(units / scale)} / set"


def _totals(plan) -> Table:
    table = Table(title="Expected cost: indexops vs fixed 50-bps TWAP on one venue", title_justify="left")
    table.add_column("")
    table.add_column("indexops", justify="right")
    if plan.baseline is not None:
        table.add_column("50-bps baseline", justify="right")
        table.add_column("ratio", justify="right")
    rows = [
        ("trade calls", lambda t: str(t.trades), lambda t: t.trades),
        ("transactions", lambda t: str(t.transactions), lambda t: t.transactions),
        ("price impact", lambda t: usd(t.impact_usd), lambda t: t.impact_usd),
        ("pool fees", lambda t: usd(t.fees_usd), lambda t: t.fees_usd),
        (f"gas at {plan.totals.gas_price_wei / 1e9:g} gwei", lambda t: usd(t.gas_usd), lambda t: t.gas_usd),
        ("total cost", lambda t: usd(t.total_cost_usd), lambda t: t.total_cost_usd),
        ("bps of NAV", lambda t: f"{t.cost_bps_of_nav:.2f}", lambda t: t.cost_bps_of_nav),
        (
            "duration",
            lambda t: duration(t.duration_seconds) if t.duration_seconds else "one block",
            lambda t: t.duration_seconds,
        ),
    ]
    for label, text, number in rows:
        cells = [label, text(plan.totals)]
        if plan.baseline is not None:
            base = number(plan.baseline)
            cells += [text(plan.baseline), f"{number(plan.totals) / base:.2f}x" if base else "—"]
        table.add_row(*cells)
    return table


def _skipped(plan) -> list:
    if not plan.skipped:
        return []
    table = Table(title="Skipped (below the dust threshold)", title_justify="left")
    for name in ("component", "side", "notional", "why"):
        table.add_column(name)
    for trade in plan.skipped:
        table.add_row(trade.symbol, trade.side, usd(trade.notional_usd), trade.reason)
    return [table]
