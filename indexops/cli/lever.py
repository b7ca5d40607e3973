"""`indexops lever engage|disengage|settings PRODUCT`: a leverage token's operator actions, as plan files."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from indexops.cli import context
from indexops.cli.options import (
    ConfigOption,
    DebugOption,
    JsonOption,
    MaxGasPriceOption,
    NetworkOption,
    RpcUrlOption,
)
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


@app.command("settings")
def settings(
    product: Annotated[str, typer.Argument(help="A leverage product key, e.g. eth2x-fli.")],
    assignments: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="KEY=VALUE, repeatable: methodology.{target,min,max,recentering_speed,rebalance_interval}, "
            "execution.{unutilized_leverage,slippage,twap_cooldown}, incentive.{ripcord,ether_reward,slippage,"
            "twap_cooldown}, exchange.NAME.{twap_max_trade_size,incentivized_twap_max_trade_size,"
            "lever_exchange_data,delever_exchange_data}; a unique field name alone works (target, max, ripcord).",
        ),
    ] = None,
    add_exchange: Annotated[
        list[str] | None, typer.Option("--add-exchange", help="Enable an exchange (give its sizes with --set).")
    ] = None,
    remove_exchange: Annotated[list[str] | None, typer.Option("--remove-exchange", help="Disable an exchange.")] = None,
    account: Annotated[
        str | None,
        typer.Option("--account", help="The operator's signer: anvil account N (sandbox), a Foundry keystore, ..."),
    ] = None,
    keystore: Annotated[
        Path | None, typer.Option("--keystore", help="The operator's signer from an encrypted JSON keystore file.")
    ] = None,
    plan_only: Annotated[
        bool, typer.Option("--plan-only", help="Write the plan file and send nothing (run it with indexops execute).")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    out: OutOption = None,
    journal: Annotated[
        Path | None, typer.Option("--journal", help="Journal file (default: in the user data dir).")
    ] = None,
    max_gas_price: MaxGasPriceOption = None,
    network: NetworkOption = None,
    rpc_url: RpcUrlOption = None,
    config: ConfigOption = None,
    json_output: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Change the strategy's settings: old → new, checked by the contract's rules before anything is sent.

    The operator sends the change through the executor (simulation, journal, gas cap); when the operator is a
    Safe, the calls are exported as one Transaction Builder batch instead. With --json: one JSON document (the
    plan, the changes, the Safe files), or when sending, `indexops execute --json`'s event lines and a last
    line of the changes.
    """
    from indexops.paths import user_data_dir
    from indexops.workflows.lever import make_settings_plan, require_leverage

    target = context.product(config, product, network)
    require_leverage(target)
    connection = context.connect_to(target.where, rpc_url)
    result = make_settings_plan(
        connection,
        target,
        assignments or [],
        add=add_exchange or (),
        remove=remove_exchange or (),
        out=out,
        data_dir=user_data_dir(),
    )
    document = {
        "plan_file": str(result.path),
        "plan": result.plan.content_hash,
        "operator": result.operator,
        "changes": [{"setting": row.key, "old": row.old, "new": row.new} for row in result.rows],
        "calls": [step.function.split("(")[0] for step in result.plan.steps],
        "warnings": list(result.warnings),
    }
    for warning in result.warnings:
        note(f"[yellow]note:[/] {warning}")
    if plan_only or result.operator_is_contract:
        if not json_output:
            _show(result.plan, str(result.path), False)
        if plan_only:
            _finish(
                document, json_output, f"Plan written to {result.path}; send it with `indexops execute {result.path}`"
            )
            return
        _export_for_safe(connection, config, target, result, document, json_output)
        return
    from indexops.cli.execute import execute

    execute(
        result.path,
        account=account,
        keystore=keystore,
        yes=yes,
        journal=journal,
        max_gas_price=max_gas_price,
        rpc_url=rpc_url,
        config=config,
        json_output=json_output,
        debug=debug,
    )
    if json_output:  # after the executor's event lines: a refused signer leaves only its one-line error
        sys.stdout.write(json.dumps({"event": "settings", **document}) + "\n")
    if debug:
        note(f"RPC round trips: {connection.round_trips}")


def _export_for_safe(connection, config, target, result, document: dict, json_output: bool) -> None:
    """The operator is a Safe: its calls as one Transaction Builder batch (MultiSendCallOnly for several)."""
    from indexops.workflows.execute import export_for_safe

    exported = export_for_safe(
        connection,
        context.config(config),
        target,
        result.plan,
        multisend=True,
        out=None,
        plan_dir=result.path.parent,
    )
    document["safe"] = {
        "address": exported.safe.address,
        "batches": [str(path) for path in exported.batch_paths],
        "sidecar": str(exported.sidecar_path),
        "nonces": [entry.safe_tx.nonce for entry in exported.file.transactions],
    }
    lines = [f"Nothing was sent: the operator is the Safe {exported.safe.address}."]
    lines += [f"  batch file  {path}" for path in exported.batch_paths]
    lines.append(f"  SafeTxs     {exported.sidecar_path}")
    lines.append(
        f"Sign with `indexops safe sign {exported.sidecar_path}` ({exported.safe.threshold} of "
        f"{len(exported.safe.owners)} owners), then execute it with `indexops safe exec`."
    )
    _finish(document, json_output, "\n".join(lines))


def _finish(document: dict, json_output: bool, text: str) -> None:
    if json_output:
        emit_json(document)
    else:
        stdout().print(text)
