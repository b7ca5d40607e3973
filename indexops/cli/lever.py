"""`indexops lever engage|disengage|settings PRODUCT`: a leverage token's operator actions, as plan files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from indexops.cli import context
from indexops.cli.options import ConfigOption, DebugOption, JsonOption, NetworkOption, RpcUrlOption
from indexops.cli.output import emit_json, note, stdout

app = typer.Typer(
    help="Operate a leverage token's strategy: engage, disengage, change its settings.", no_args_is_help=True
)

ExchangeOption = Annotated[
    list[str] | None,
    typer.Option("--exchange", "-e", help="An enabled exchange to trade on (repeat to alternate; default: all)."),
]
KeeperOption = Annotated[
    str | None,
    typer.Option(
        "--keeper",
        help="A caller to look for on the allowlist (the iterate steps' signer): an address, "
        "or an anvil dev account index on the sandbox.",
    ),
]
OutOption = Annotated[
    Path | None, typer.Option("--out", "-o", help="Plan file to write (default: under the user data dir).")
]


@app.command("engage")
def engage(
    product: Annotated[str, typer.Argument(help="A leverage product key, e.g. eth2x-fli.")],
    exchange: ExchangeOption = None,
    keeper: KeeperOption = None,
    out: OutOption = None,
    network: NetworkOption = None,
    rpc_url: RpcUrlOption = None,
    config: ConfigOption = None,
    json_output: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Plan levering from 1x to the target: engage (operator), then iterateRebalance (keeper) chunk by chunk."""
    _plan("engage", product, exchange, keeper, out, network, rpc_url, config, json_output, debug)


@app.command("disengage")
def disengage(
    product: Annotated[str, typer.Argument(help="A leverage product key, e.g. eth2x-fli.")],
    exchange: ExchangeOption = None,
    out: OutOption = None,
    network: NetworkOption = None,
    rpc_url: RpcUrlOption = None,
    config: ConfigOption = None,
    json_output: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Plan delevering to 1x: disengage (operator) chunk by chunk until the debt is repaid."""
    _plan("disengage", product, exchange, None, out, network, rpc_url, config, json_output, debug)


def _plan(
    action: str,
    product: str,
    exchange: list[str] | None,
    keeper: str | None,
    out: Path | None,
    network: str | None,
    rpc_url: str | None,
    config: Path | None,
    json_output: bool,
    debug: bool,
) -> None:
    from indexops.paths import user_data_dir
    from indexops.workflows.lever import make_lever_plan, require_leverage

    target = context.product(config, product, network)
    require_leverage(target)
    connection = context.connect_to(target.where, rpc_url)
    keepers = [address for address in [context.resolve_account(keeper, target.where, connection)] if address]
    result = make_lever_plan(
        connection, target, action, exchanges=exchange or (), keepers=keepers, out=out, data_dir=user_data_dir()
    )
    _show(result.plan, str(result.path), json_output)
    if not json_output:
        note(f"Plan written to {result.path}; run it with `indexops execute {result.path}`")
    if debug:
        note(f"RPC round trips: {result.round_trips}")


def _show(plan, path: str, json_output: bool) -> None:
    if json_output:
        emit_json({"plan_file": path, "plan": plan.model_dump(mode="json")})
        return
    from indexops.render.plan import review_tables

    for table in review_tables(plan, path):
        stdout().print(table)
