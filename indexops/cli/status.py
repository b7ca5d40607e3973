"""`indexops status PRODUCT`: one block-pinned snapshot of a product, for people or programs."""

from __future__ import annotations

from typing import Annotated

import typer

from indexops.cli import context
from indexops.cli.options import AccountOption, ConfigOption, DebugOption, JsonOption, NetworkOption, RpcUrlOption
from indexops.cli.output import emit_json, note, stdout


def status(
    product: Annotated[str, typer.Argument(help="Product key from the products file, e.g. dpi.")],
    network: NetworkOption = None,
    rpc_url: RpcUrlOption = None,
    config: ConfigOption = None,
    account: AccountOption = None,
    json_output: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Show a product's state: components, prices, weights, NAV, roles, modules, GIM settings and fees.

    For a leverage token: its ratio and TWAP, settings, position, distance to the ripcord and to
    liquidation, and what a keeper should do now beside the contract's shouldRebalance().
    """
    from indexops.chain.reader import read_snapshot
    from indexops.report.status import status_report

    target = context.product(config, product, network)
    connection = context.connect_to(target.where, rpc_url)
    if target.product.kind == "leverage":
        _leverage_status(target, connection, account, json_output)
        if debug:
            note(f"RPC round trips: {connection.round_trips}")
        return
    signer = context.resolve_account(account, target.where, connection)
    snapshot = read_snapshot(connection, target)
    report = status_report(target, snapshot, signer)
    if json_output:
        emit_json(report.as_json())
    else:
        from indexops.render.status import render_status

        for renderable in render_status(report):
            stdout().print(renderable)
    if debug:
        note(f"RPC round trips: {connection.round_trips}")


def _leverage_status(target, connection, account: str | None, json_output: bool) -> None:
    from indexops.workflows.leverage_status import read_leverage_status

    caller = context.resolve_account(account, target.where, connection) if account else None
    status = read_leverage_status(target, connection, extra_callers=[caller] if caller is not None else [])
    if json_output:
        emit_json(status.as_json())
        return
    from indexops.render.leverage_status import render_leverage_status

    for renderable in render_leverage_status(status):
        stdout().print(renderable)
