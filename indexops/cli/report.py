"""`indexops report pnl PRODUCT`: a product's P&L from chain events and receipts, per party and month, and the
same history under another fee arrangement."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from indexops.cli import context
from indexops.cli.options import ConfigOption, DebugOption, JsonOption, NetworkOption, RpcUrlOption
from indexops.cli.output import emit_json, note, stdout
from indexops.errors import UsageError

app = typer.Typer(help="Reports built from the chain: a product's P&L.", no_args_is_help=True)

CHART_HEIGHT = 22
CHART_MAX_WIDTH = 120
RANGE_HELP = "a block number or a date YYYY-MM-DD (UTC)"


@app.command("pnl")
def pnl(
    product: Annotated[str, typer.Argument(help="Product key, e.g. eth2x-fli.")],
    start: Annotated[
        str | None,
        typer.Option("--from", help=f"Start of the range: {RANGE_HELP} (default: the SetToken's creation)."),
    ] = None,
    end: Annotated[
        str | None, typer.Option("--to", help=f"End of the range: {RANGE_HELP} (default: the chain's head).")
    ] = None,
    scenario: Annotated[
        str | None,
        typer.Option(
            "--scenario",
            help="The same history under another arrangement: split=OP/METH (percent, adding up to 100) and/or "
            'gas=operator|methodologist|holders|comp, comma-separated, e.g. "split=85/15,gas=holders".',
        ),
    ] = None,
    csv_file: Annotated[
        str | None,
        typer.Option(
            "--csv",
            metavar="FILE",
            help="Write one row per month per party (view, month, party, take_usd, gas_usd, net_usd); - for "
            "stdout, which then carries the CSV alone.",
        ),
    ] = None,
    png: Annotated[
        Path | None,
        typer.Option("--png", metavar="FILE", help="Save the monthly chart as a PNG (needs indexops\\[charts])."),
    ] = None,
    network: NetworkOption = None,
    rpc_url: RpcUrlOption = None,
    config: ConfigOption = None,
    json_output: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """A product's P&L per party and per UTC month, from chain events and receipts.

    Revenue (streaming, issue and redeem fees), each party's take from the split's payouts, what is not
    distributed yet, COMP claimed and the gas the operator's, methodologist's and keepers' accounts paid, each in
    USD at its block; income before overheads (revenue less the methodologist's take) and gas as a share of it;
    a chart of each month.
    """
    from indexops.report.pnl.scenario import parse_scenario

    asked = parse_scenario(scenario) if scenario is not None else None
    if csv_file == "-" and json_output:
        raise UsageError("--csv - and --json both write to stdout: give --csv a file name")
    for flag, path in (("--csv", None if csv_file in (None, "-") else Path(csv_file)), ("--png", png)):
        _require_folder(flag, path)
    if png is not None:
        from indexops.render.pnl_chart import require_matplotlib

        require_matplotlib()
    from indexops.report.pnl.scenario import arrangement_for, recompute
    from indexops.report.pnl.totals import totals_of
    from indexops.workflows.pnl import read_ledger

    target = context.product(config, product, network)
    connection = context.connect_to(target.where, rpc_url)
    ledger = read_ledger(target, connection, start, end)
    totals = totals_of(ledger)
    result = None if asked is None else recompute(ledger, arrangement_for(asked, totals.whole))
    if csv_file is not None:
        _write_csv(csv_file, totals, result)
    if png is not None:
        from indexops.render.pnl_chart import save_png

        save_png(totals, png)
        note(f"wrote {png}")
    if json_output:
        from indexops.render.pnl import pnl_json

        emit_json(pnl_json(totals, result))
    elif csv_file != "-":
        _show(totals, result)
    if debug:
        note(f"RPC round trips: {connection.round_trips}")


def _require_folder(flag: str, path: Path | None) -> None:
    """Before the chain is read: a file that could not be written would waste the whole reading."""
    if path is not None and not path.parent.is_dir():
        raise UsageError(f"{flag} {path}: no folder {path.parent}")


def _write_csv(csv_file: str, totals, result) -> None:
    from indexops.render.pnl_csv import write_pnl_csv

    if csv_file == "-":
        write_pnl_csv(sys.stdout, totals, result)
        return
    try:
        with open(csv_file, "w", newline="", encoding="utf-8") as out:
            write_pnl_csv(out, totals, result)
    except OSError as error:
        raise UsageError(f"--csv {csv_file}: {error.strerror or error}") from None
    note(f"wrote {csv_file}")


def _show(totals, result) -> None:
    from rich.text import Text

    from indexops.render.pnl import render_pnl
    from indexops.render.pnl_chart import terminal_chart

    console = stdout()
    for renderable in render_pnl(totals, result):
        console.print(renderable)
    if not totals.months:
        note(f"{totals.product_key}: nothing happened in blocks {totals.from_block}..{totals.to_block}")
        return
    width = min(console.width, CHART_MAX_WIDTH)
    chart = terminal_chart(totals, width, CHART_HEIGHT, colorless=not console.is_terminal or console.no_color)
    console.print(Text.from_ansi(chart), no_wrap=True, crop=False)
