"""The table of `indexops keeper check`: one row per product, what it would send and at what fee."""

from __future__ import annotations

from rich.table import Table

from indexops.render.numbers import amount, gwei, timestamp
from indexops.workflows.keeper_check import KeeperCheck


def _gwei(value: float | None) -> str:
    return "—" if value is None else gwei(value)


def _fee(check: KeeperCheck) -> str:
    if check.gas == "nothing":
        return "—"
    if check.gas == "wait":
        until = f", pays more from {timestamp(check.wait_until)}" if check.wait_until else ""
        return f"[yellow]waits[/] (cap {_gwei(check.cap_gwei)} gwei{until})"
    return (
        f"max {_gwei(check.max_fee_gwei)} / tip {_gwei(check.priority_fee_offered_gwei)} gwei"
        f"  (cap {_gwei(check.cap_gwei)}, gas {check.gas_limit:,})"
    )


def render_keeper_checks(checks: list[KeeperCheck]) -> list:
    table = Table(title="Keeper: what it would send now (nothing is sent)", title_justify="left")
    for name in ("product", "ratio", "action", "exchange", "chunk", "ratio after", "base fee", "fee", "why"):
        table.add_column(name, overflow="fold")
    for check in checks:
        action = f"[bold]{check.action}[/]" if check.action != "nothing" else "nothing"
        table.add_row(
            f"{check.product_key}\n{check.network} #{check.block_number}",
            "—" if check.leverage_ratio is None else f"{check.leverage_ratio:.4f}x",
            f"{action}\n{check.reason}",
            check.exchange or "—",
            "—" if check.chunk is None else f"{amount(check.chunk)} {check.collateral_symbol}",
            "—" if check.expected_ratio is None or check.action == "nothing" else f"{check.expected_ratio:.4f}x",
            f"{gwei(check.base_fee_gwei)} gwei",
            _fee(check),
            check.why if check.gas != "nothing" else check.detail,
        )
    return [table]
