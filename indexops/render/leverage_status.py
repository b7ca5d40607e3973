"""Rich tables for `indexops status` of a leverage token."""

from __future__ import annotations

from rich.table import Table

from indexops.render.numbers import amount, duration, percent, timestamp, usd
from indexops.report.leverage_status import LeverageStatus


def render_leverage_status(status: LeverageStatus) -> list:
    return [_position(status), _keeper(status), _settings(status), _exchanges(status)]


def _rows(title: str, rows: list[tuple[str, str]]) -> Table:
    table = Table(title=title, show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    for label, value in rows:
        table.add_row(label, value)
    return table


def _position(s: LeverageStatus) -> Table:
    twap = f"in progress towards {s.twap_leverage_ratio:.4f}x" if s.twap_leverage_ratio else "none"
    m = s.methodology
    return _rows(
        f"{s.product_key} on {s.network}: leverage {s.leverage_ratio:.4f}x",
        [
            ("block", f"{s.block_number}  {timestamp(s.timestamp)}"),
            ("SetToken / strategy", f"{s.set_token} / {s.extension}"),
            (
                "leverage ratio",
                f"{s.leverage_ratio:.4f}x  (band {m['min']:.2f}x - {m['max']:.2f}x, target {m['target']:.2f}x)",
            ),
            ("TWAP", twap),
            ("supply", amount(s.supply)),
            (
                "collateral",
                f"{amount(s.collateral)} {s.collateral_symbol}  {usd(s.collateral_usd)}"
                f"  ({s.collateral_symbol} at {usd(s.collateral_price_usd)})",
            ),
            ("borrow", f"{amount(s.borrow)} {s.borrow_symbol}  {usd(s.borrow_usd)}"),
            ("NAV per token", usd(s.nav_per_token_usd)),
            ("price fall to max", _fall(s.drop_to_max_pct, s.collateral_symbol)),
            ("price fall to ripcord", _fall(s.drop_to_ripcord_pct, s.collateral_symbol)),
            (
                "price fall to liquidation",
                _fall(s.drop_to_liquidation_pct, s.collateral_symbol)
                + ("" if s.liquidation_leverage_ratio is None else f"  (at {s.liquidation_leverage_ratio:.2f}x)"),
            ),
            ("ETH for ripcords", f"{amount(s.ether_balance)} ETH (a ripcord now pays {amount(s.ether_incentive_now)})"),
            ("COMP", f"{amount(s.comp_claimable)} claimable, {amount(s.comp_held)} held by the SetToken"),
        ],
    )


def _keeper(s: LeverageStatus) -> Table:
    a = s.advice
    when = (
        "—"
        if a.next_possible_in is None
        else (
            "now"
            if a.next_possible_in == 0
            else f"in {duration(a.next_possible_in)} ({timestamp(a.next_possible_at or 0)})"
        )
    )
    agrees = (
        "[green]agrees[/]" if a.contract_is_right else "[yellow]differs: indexops follows the contract's own rules[/]"
    )
    rows = [
        ("do now", f"[bold]{a.action}[/]" + (f" on {a.exchange}" if a.exchange else "")),
        ("why", f"{a.reason}: {a.detail}"),
    ]
    if a.chunk is not None:
        rows.append(("chunk", f"{amount(a.chunk)} {s.collateral_symbol}"))
    if a.expected_ratio is not None and a.action != "nothing":
        rows.append(("ratio after", f"{a.expected_ratio:.4f}x"))
    rows += [("next action possible", when), ("shouldRebalance()", f"{a.contract_says}  {agrees}")]
    callers = ", ".join(f"{address} {'allowed' if ok else '[red]not allowed[/]'}" for address, ok in s.callers.items())
    if callers:
        rows.append(("keepers", callers))
    return _rows("Keeper", rows)


def _settings(s: LeverageStatus) -> Table:
    m, e, r = s.methodology, s.execution, s.ripcord
    return _rows(
        "Settings",
        [
            (
                "methodology",
                f"target {m['target']:.2f}x, min {m['min']:.2f}x, max {m['max']:.2f}x, recentering "
                f"{percent(m['recentering_speed'])}, rebalance interval {duration(m['rebalance_interval_seconds'])}",
            ),
            (
                "execution",
                f"unutilized leverage {percent(e['unutilized_leverage'])}, slippage {percent(e['slippage'])}, "
                f"TWAP cooldown {duration(e['twap_cooldown_seconds'])}",
            ),
            (
                "ripcord",
                f"at {r['leverage_ratio']:.2f}x, slippage {percent(r['slippage'])}, cooldown "
                f"{duration(r['twap_cooldown_seconds'])}, reward {amount(r['ether_reward'])} ETH",
            ),
        ],
    )


def _exchanges(s: LeverageStatus) -> Table:
    table = Table(title="Exchanges", title_justify="left")
    for name in (
        "exchange",
        "TWAP chunk",
        "ripcord chunk",
        "last trade",
        "cool-off left",
        "ripcord cool-off left",
        "shouldRebalance()",
    ):
        table.add_column(name)
    for x in s.exchanges:
        table.add_row(
            x.name,
            f"{amount(x.twap_max_trade_size)} {s.collateral_symbol}",
            f"{amount(x.incentivized_twap_max_trade_size)} {s.collateral_symbol}",
            timestamp(x.last_trade),
            duration(x.cool_off_left) if x.cool_off_left else "ready",
            duration(x.ripcord_cool_off_left) if x.ripcord_cool_off_left else "ready",
            x.should_rebalance,
        )
    return table


def _fall(pct: float | None, symbol: str) -> str:
    if pct is None:
        return "— (no debt)"
    if pct <= 0:
        return f"[red]already crossed ({percent(pct / 100)})[/]"
    return f"{symbol} -{pct:.2f}%"
