"""Rich tables for `indexops status`."""

from __future__ import annotations

from rich.table import Table

from indexops.render.numbers import amount, bar, duration, percent, timestamp, usd
from indexops.report.status import StatusReport


def render_status(report: StatusReport) -> list:
    return [_overview(report), _components(report), _roles(report), _modules(report), *_gim(report), *_fee(report)]


def _overview(report: StatusReport) -> Table:
    s, v = report.snapshot, report.valuation
    table = Table(title=f"{s.name} ({s.symbol}) on {s.network}", show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    table.add_row("block", f"{s.block_number}  {s.block_hash[:18]}…  {timestamp(s.timestamp)}")
    table.add_row("chain id", str(s.chain_id))
    table.add_row("SetToken", s.set_token)
    table.add_row("supply", f"{amount(v.supply)} {s.symbol}")
    table.add_row("value per set", usd(v.value_per_set_usd))
    table.add_row("NAV", usd(v.nav_usd))
    table.add_row("ETH price", usd(v.eth_usd))
    return table


def _components(report: StatusReport) -> Table:
    table = Table(title="Components", title_justify="left")
    for name in ("", "unit/set", "set holds", "WETH", "USD", "value/set", "weight", "target", "Δ pp", ""):
        table.add_column(name, justify="left" if name == "" else "right")
    for c in report.valuation.components:
        drift = "" if c.target_weight is None else f"{(c.weight - c.target_weight) * 100:+.2f}"
        table.add_row(
            c.component.symbol,
            amount(c.units),
            amount(c.balance),
            amount(c.price_weth),
            usd(c.price_usd),
            usd(c.value_per_set_usd),
            percent(c.weight),
            percent(c.target_weight),
            drift,
            bar(c.weight),
        )
    return table


def _roles(report: StatusReport) -> Table:
    table = Table(title=f"Manager ({report.snapshot.manager_kind}) {report.snapshot.manager}", title_justify="left")
    table.add_column("role")
    table.add_column("held by")
    table.add_column("needed to")
    table.add_column("signer " + (report.signer or "(none chosen: --account)"))
    for check in report.roles:
        held = "—" if check.signer_holds is None else ("[green]yes[/]" if check.signer_holds else "[red]no[/]")
        table.add_row(check.role.name, "\n".join(check.role.holders) or "nobody", check.role.needed_to or "—", held)
    return table


def _modules(report: StatusReport) -> Table:
    table = Table(title="Modules", title_justify="left")
    table.add_column("module")
    table.add_column("address")
    table.add_column("initialized")
    for name, address, initialized in report.snapshot.modules:
        table.add_row(name, address, "[green]yes[/]" if initialized else "[yellow]no[/]")
    return table


def _gim(report: StatusReport) -> list:
    rows = [(c, c.gim) for c in report.snapshot.components if c.gim is not None and c.address != report.snapshot.weth]
    if not rows:
        return []
    table = Table(title="GeneralIndexModule execution settings", title_justify="left")
    for name in ("component", "max trade", "cool-off", "last trade", "exchange"):
        table.add_column(name, justify="right" if name in ("max trade", "cool-off") else "left")
    for c, gim in rows:
        table.add_row(
            c.symbol,
            f"{amount(gim.max_size / 10**c.decimals)} {c.symbol}",
            duration(gim.cool_off),
            timestamp(gim.last_trade),
            gim.exchange or "(none)",
        )
    return [table]


def _fee(report: StatusReport) -> list:
    fee = report.fee
    if fee is None:
        return []
    table = Table(title="Streaming fee", show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    table.add_row("annual fee", f"{percent(fee.annual_percentage)} (max {percent(fee.max_percentage)})")
    table.add_row("recipient", fee.recipient)
    table.add_row("last accrual", timestamp(fee.last_accrual))
    table.add_row("accrued now", f"{amount(fee.accrued_sets)} {report.snapshot.symbol} ({usd(fee.accrued_usd)})")
    return [table]
