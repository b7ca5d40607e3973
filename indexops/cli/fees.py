"""`indexops fees status PRODUCT`: the streaming fee, its split and what each party would receive now."""

from __future__ import annotations

from typing import Annotated

import typer

from indexops.cli import context
from indexops.cli.options import ConfigOption, DebugOption, JsonOption, NetworkOption, RpcUrlOption
from indexops.cli.output import emit_json, note, stdout

app = typer.Typer(help="Streaming fees and their operator / methodologist split.", no_args_is_help=True)


@app.command("status")
def status(
    product: Annotated[str, typer.Argument(help="Product key, e.g. dpi or eth2x-fli.")],
    network: NetworkOption = None,
    rpc_url: RpcUrlOption = None,
    config: ConfigOption = None,
    json_output: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """The fee rate, recipient and last accrual, what has accrued since (sets and USD), the split contract and
    what each party would receive if the fees were accrued and distributed now, the issue / redeem fees."""
    from indexops.chain.fee_reader import splitter_of
    from indexops.workflows.fees import fee_status

    target = context.product(config, product, network)
    splitter_of(target)  # the configuration before any chain read
    connection = context.connect_to(target.where, rpc_url)
    found = fee_status(target, connection)
    if json_output:
        emit_json(found.as_json())
    else:
        from indexops.render.fees import render_fee_status

        for renderable in render_fee_status(found):
            stdout().print(renderable)
    if debug:
        note(f"RPC round trips: {connection.round_trips}")
