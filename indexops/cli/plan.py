"""`indexops plan PRODUCT` and `indexops show PLANFILE`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from indexops.cli import context
from indexops.cli.options import ConfigOption, DebugOption, GasPriceOption, JsonOption, NetworkOption, RpcUrlOption
from indexops.cli.output import emit_json, note, stdout


def plan(
    product: Annotated[str, typer.Argument(help="Product key from the products file, e.g. dpi.")],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Plan file to write (default: under the user data dir).")
    ] = None,
    targets: Annotated[
        Path | None, typer.Option("--targets", help="New weights or units: CSV (symbol,weight) or TOML ([weights]).")
    ] = None,
    gas_price: GasPriceOption = None,
    batch: Annotated[
        bool, typer.Option("--batch", help="Delegated route: group each round's trades into batchTrade transactions.")
    ] = False,
    network: NetworkOption = None,
    rpc_url: RpcUrlOption = None,
    config: ConfigOption = None,
    json_output: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Plan a rebalance: trades, venues, chunks, limits and cost, reviewed in tables and saved as a hashed plan file."""
    from indexops.config.targets_file import load_targets
    from indexops.paths import user_data_dir
    from indexops.workflows.plan import make_plan

    target = context.product(config, product, network)
    if target.product.kind == "leverage":
        from indexops.routes.fli.chain import NotARebalance

        raise NotARebalance(target.key)
    wanted = load_targets(targets, set(target.where.network.tokens)) if targets else None
    connection = context.connect_to(target.where, rpc_url)
    result = make_plan(
        connection, target, targets=wanted, gas_price_gwei=gas_price, out=out, data_dir=user_data_dir(), batch=batch
    )
    _show(result.plan, str(result.path), json_output)
    if not json_output:
        note(f"Plan written to {result.path}")
    if debug:
        note(f"RPC round trips: {result.round_trips}")


def show(
    plan_file: Annotated[Path, typer.Argument(help="A plan file written by `indexops plan`.")],
    json_output: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Re-render a saved plan file (its content hash is checked; the chain is not touched)."""
    from indexops.plans import load_plan

    _show(load_plan(plan_file), str(plan_file), json_output)


def _show(plan, path: str, json_output: bool) -> None:
    if json_output:
        emit_json({"plan_file": path, "plan": plan.model_dump(mode="json")})
        return
    from indexops.render.plan import review_tables

    for table in review_tables(plan, path):
        stdout().print(table)
