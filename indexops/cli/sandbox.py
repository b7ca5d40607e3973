"""`indexops sandbox up | down | status | reset`: a local anvil chain running the real contracts."""

from __future__ import annotations

import time
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated

import typer

from indexops.cli.number_options import percent_move, usd_price
from indexops.cli.options import DebugOption, JsonOption
from indexops.cli.output import emit_json, note, stdout
from indexops.render.numbers import duration

SettingsOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        show_default=False,
        help="Products file whose leverage products' settings are deployed (default: the shipped products.toml).",
    ),
]

app = typer.Typer(
    help="A local anvil chain with the real Set V2, Index Coop and Safe contracts deployed.", no_args_is_help=True
)


@app.command()
def install(json_output: JsonOption = False, debug: DebugOption = False) -> None:
    """Install the sandbox toolchain (anvil and the contract packages) without starting anything."""
    from indexops.sandbox import toolchain

    with (
        stdout().status("Installing the sandbox toolchain (anvil and contract packages from npm)...")
        if not json_output
        else nullcontext()
    ):
        installed = toolchain.install_toolchain()
    if json_output:
        emit_json({"toolchain": str(installed.root), "anvil": str(installed.anvil)})
    else:
        stdout().print(f"Sandbox toolchain ready in {installed.root} (anvil: {installed.anvil}).")


@app.command()
def up(
    port: Annotated[
        int | None, typer.Option("--port", help="Port on 127.0.0.1 (default: 8545 if free, else any free port).")
    ] = None,
    config: SettingsOption = None,
    json_output: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Start the sandbox and deploy the products (a no-op when it is already up)."""
    from indexops.sandbox import service, toolchain

    if not toolchain.is_installed():
        with (
            stdout().status("Installing the sandbox toolchain (anvil and contract packages from npm)...")
            if not json_output
            else nullcontext()
        ):
            toolchain.install_toolchain()
    started = time.monotonic()
    with stdout().status("Starting anvil and deploying contracts...") if not json_output else nullcontext():
        result = service.up(port=port, products_file=config)
    _report(result, time.monotonic() - started, json_output)


@app.command()
def down(json_output: JsonOption = False, debug: DebugOption = False) -> None:
    """Stop the sandbox this user started (nothing else)."""
    from indexops.sandbox import service

    stopped = service.down()
    if json_output:
        emit_json({"stopped": stopped is not None, "pid": stopped.pid if stopped else None})
    else:
        stdout().print(f"Sandbox stopped (pid {stopped.pid})." if stopped else "The sandbox was not running.")


@app.command()
def status(json_output: JsonOption = False, debug: DebugOption = False) -> None:
    """Say whether the sandbox is up, where, and what it deployed."""
    from indexops.sandbox import service

    current = service.status()
    if json_output:
        emit_json(_as_json(current))
        return
    if current.running is None:
        stdout().print("The sandbox is down: start it with `indexops sandbox up`.")
        raise typer.Exit(1)
    _print_summary(current)


@app.command()
def reset(config: SettingsOption = None, json_output: JsonOption = False, debug: DebugOption = False) -> None:
    """Wipe the sandbox chain and deploy everything again."""
    from indexops.sandbox import service

    started = time.monotonic()
    with stdout().status("Redeploying the sandbox...") if not json_output else nullcontext():
        result = service.reset(products_file=config)
    _report(result, time.monotonic() - started, json_output)


@app.command()
def price(
    symbol: Annotated[str, typer.Argument(help="The asset: WETH (or ETH), WBTC (or BTC) or USDC.", show_default=False)],
    by: Annotated[
        float | None,
        typer.Option(
            "--by", metavar="PCT", help="Move the price by this percent, e.g. -25.", parser=percent_move("--by")
        ),
    ] = None,
    to: Annotated[
        float | None,
        typer.Option("--to", metavar="USD", help="Set the price to this many USD.", parser=usd_price("--to")),
    ] = None,
    json_output: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Move one asset's price everywhere at once: its USD feed, Compound's oracle and every pool holding it."""
    from indexops.sandbox import prices, service

    target = prices.priced_symbol(symbol)
    if (by is None) == (to is None):
        from indexops.errors import UsageError

        raise UsageError("give exactly one of --by PCT or --to USD")
    current = service.status()
    if current.running is None or current.deployment is None:
        from indexops.errors import UsageError

        raise UsageError("the sandbox is not running: start it with `indexops sandbox up`")
    from indexops.chain.connection import connect

    w3 = connect(current.running.rpc_url, 31337, "sandbox").w3
    moved = prices.move_price(w3, current.deployment, target, by_percent=by, to_usd=to)
    if json_output:
        emit_json(
            {
                "symbol": moved.symbol,
                "before_usd": moved.before_usd,
                "after_usd": moved.after_usd,
                "feed": moved.feed,
                "ctoken": moved.ctoken,
                "block": moved.block,
                "pools": [
                    {"venue": p.venue, "pool": p.pool, "other": p.other, "before": p.before, "after": p.after}
                    for p in moved.pools
                ],
            }
        )
        return
    change = moved.after_usd / moved.before_usd - 1
    stdout().print(
        f"{moved.symbol}: ${moved.before_usd:,.2f} -> ${moved.after_usd:,.2f} ({change:+.2%}) on its feed, "
        f"Compound's oracle and {len(moved.pools)} pools; mined block {moved.block}."
    )


def _report(result, seconds: float, json_output: bool) -> None:
    if json_output:
        emit_json({**_as_json(result), "already_up": result.already_up, "seconds": round(seconds, 2)})
        return
    if result.already_up:
        note("The sandbox is already up; nothing to do.")
    else:
        note(f"Deployed in {duration(seconds)}.")
    _print_summary(result)


def _as_json(current) -> dict:
    running = current.running
    return {
        "running": running is not None,
        "pid": running.pid if running else None,
        "rpc_url": running.rpc_url if running else None,
        "chain_id": 31337 if running else None,
        "deployment": current.deployment,
    }


def _print_summary(current) -> None:
    from indexops.render.sandbox import sandbox_summary

    stdout().print(sandbox_summary(current.running, current.deployment))
