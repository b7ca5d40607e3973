"""`indexops safe ...`: export operator calls for a Safe, decode and verify them, sign, execute, propose."""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer

from indexops.cli import context
from indexops.cli.confirm import confirm_or_stop
from indexops.cli.options import (
    ConfigOption,
    DebugOption,
    JsonOption,
    NetworkOption,
    ReceiptTimeoutOption,
    RpcUrlOption,
)
from indexops.cli.output import emit_json, stdout
from indexops.errors import IndexopsError, UsageError

app = typer.Typer(
    help="Multisig: export a plan's operator calls for a Safe, decode and verify, sign, execute, propose.",
    no_args_is_help=True,
)

FileArgument = Annotated[
    Path, typer.Argument(help="A batch file or the *.safetx.json sidecar written by `indexops safe export`.")
]
AccountOption = Annotated[
    str | None,
    typer.Option("--account", help="Signer: anvil account N (sandbox), a Foundry keystore name, or an anvil address."),
]
KeystoreOption = Annotated[Path | None, typer.Option("--keystore", help="Signer from an encrypted JSON keystore file.")]
SERVICE_KEY_ENV = "SAFE_TRANSACTION_SERVICE_API_KEY"


class SimulationFailed(IndexopsError):
    def __init__(self, nonce: int, reason: str):
        super().__init__(f"simulation: the SafeTx with nonce {nonce} fails on the fork: {reason}")


class FlagsRaised(UsageError):
    def __init__(self, count: int):
        super().__init__(f"--strict: {count} flag(s) for signers to notice (listed above)")


@app.command("export")
def export(
    plan_file: Annotated[Path, typer.Argument(help="A plan file written by `indexops plan`.")],
    multisend: Annotated[
        bool, typer.Option("--multisend", help="All calls in one atomic SafeTx through MultiSendCallOnly.")
    ] = False,
    nonce: Annotated[
        int | None,
        typer.Option(
            "--nonce", help="First Safe nonce (default: the Safe's next); set it when transactions are queued.", min=0
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help=(
                "The batch file (a path ending in .json; the sidecar is written beside it), "
                "or a directory for the files (default: the plan file's)."
            ),
        ),
    ] = None,
    safe: Annotated[
        str | None,
        typer.Option("--safe", help="The Safe; must be the product's operator of record (default: that operator)."),
    ] = None,
    rpc_url: RpcUrlOption = None,
    config: ConfigOption = None,
    json_output: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Write the plan's Safe-signed steps as a Transaction Builder batch file and a *.safetx.json sidecar."""
    from indexops.chain.accounts import parse_address
    from indexops.config.selection import choose_product
    from indexops.plans import load_plan
    from indexops.render.safe import export_json, export_table
    from indexops.workflows.safe.export import destination, export_plan

    loaded = context.config(config)
    plan = load_plan(plan_file)
    where_to = destination(out, plan_file.resolve().parent)
    target = choose_product(loaded, plan.product, plan.network)
    connection = context.connect_to(target.where, rpc_url)
    result = export_plan(
        connection,
        loaded,
        target,
        plan,
        safe=parse_address(safe, "--safe") if safe else None,
        multisend=multisend,
        nonce=nonce,
        out_dir=where_to.directory,
        stem=where_to.stem,
    )
    if json_output:
        emit_json(export_json(result))
    else:
        stdout().print(export_table(result))


@app.command("decode")
def decode(
    file: FileArgument,
    simulate: Annotated[
        bool, typer.Option("--simulate", help="Run the SafeTxs on a fork of the network and show what they change.")
    ] = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit non-zero when anything is flagged for signers.")
    ] = False,
    network: NetworkOption = None,
    rpc_url: RpcUrlOption = None,
    config: ConfigOption = None,
    json_output: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Verify a Safe export offline and show every call decoded; flag what signers must notice."""
    from indexops.config.selection import choose_network
    from indexops.render.safe import review_json, review_tables, simulation_json, simulation_table
    from indexops.workflows.safe.decode import review_export
    from indexops.workflows.safe.files import read_export
    from indexops.workflows.safe.simulate import simulate_export

    loaded = context.config(config)
    export = read_export(file)
    review = review_export(export, loaded, network)
    simulation = None
    if simulate:
        safe_file = export.require_sidecar()
        rpc = context.rpc_url_for(choose_network(loaded, safe_file.network), rpc_url)
        simulation = simulate_export(loaded, safe_file, review, rpc)
    if json_output:
        emit_json({**review_json(review), "simulation": simulation_json(simulation) if simulation else None})
    else:
        for table in review_tables(review) + ([simulation_table(simulation)] if simulation else []):
            stdout().print(table)
    if simulation is not None and not simulation.ok:
        failed = next(tx for tx in simulation.transactions if not tx.ok)
        raise SimulationFailed(failed.nonce, failed.reason)
    if strict and review.flags:
        raise FlagsRaised(len(review.flags))


@app.command("sign")
def sign(
    file: FileArgument,
    account: AccountOption = None,
    keystore: KeystoreOption = None,
    eth_sign: Annotated[
        bool,
        typer.Option("--eth-sign", help="Sign the hash as an eth_sign message (v + 4) instead of EIP-712 typed data."),
    ] = False,
    add_signature: Annotated[
        list[str] | None,
        typer.Option(
            "--add-signature", help="OWNER:SIGNATURE made with another tool; verified before it is kept. Repeatable."
        ),
    ] = None,
    config: ConfigOption = None,
    json_output: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Sign every pending SafeTx of a verified export with one owner's key; the signatures go in the sidecar."""
    from indexops.render.safe import sign_json, sign_table
    from indexops.workflows.safe.decode import check_file_against_config
    from indexops.workflows.safe.files import read_export
    from indexops.workflows.safe.sign import parse_owner_signature, sign_export

    loaded = context.config(config)
    export = read_export(file)
    where = check_file_against_config(export.require_sidecar(), loaded, str(export.sidecar_path))
    pairs = [parse_owner_signature(text) for text in add_signature or []]
    own_key = account is not None or keystore is not None or not pairs
    signer = _signer(account, keystore, where.network.sandbox) if own_key else None
    result = sign_export(export, signer, pairs=pairs, eth_sign=eth_sign)
    if json_output:
        emit_json(sign_json(result))
    else:
        stdout().print(sign_table(result))


@app.command("exec")
def exec_(
    file: FileArgument,
    account: AccountOption = None,
    keystore: KeystoreOption = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    next_only: Annotated[
        bool,
        typer.Option(
            "--next", help="Execute only the next pending SafeTx (a lever plan's chunks wait for a cool-off between)."
        ),
    ] = False,
    receipt_timeout: ReceiptTimeoutOption = 180,
    rpc_url: RpcUrlOption = None,
    config: ConfigOption = None,
    json_output: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Execute the pending SafeTxs: signatures checked against the current owners, simulated, then sent."""
    from indexops.execution.signer_lock import holding_signers
    from indexops.paths import user_data_dir
    from indexops.render.safe import exec_json, executed_line, review_tables
    from indexops.workflows.safe.decode import check_file_against_config, review_export
    from indexops.workflows.safe.exec import check_before_exec, exec_export
    from indexops.workflows.safe.files import read_export

    loaded = context.config(config)
    export = read_export(file)
    review = review_export(export, loaded)
    safe_file, sidecar_path = export.require_sidecar(), export.require_sidecar_path()
    where = check_file_against_config(safe_file, loaded, str(sidecar_path))
    connection = context.connect_to(where, rpc_url)
    signer = _signer(account, keystore, where.network.sandbox)
    ready = check_before_exec(connection, sidecar_path, safe_file, signer.address)
    if next_only:
        ready = replace(ready, pending=ready.pending[:1])
    if not json_output:
        for table in review_tables(review):
            stdout().print(table)
    _confirm(len(ready.pending), yes)
    on_executed = (lambda executed: None) if json_output else (lambda executed: stdout().print(executed_line(executed)))
    with holding_signers(user_data_dir(), connection.chain_id, [signer.address]):
        executed = exec_export(
            connection, sidecar_path, safe_file, ready, signer, receipt_timeout=receipt_timeout, on_executed=on_executed
        )
    if json_output:
        emit_json(exec_json(executed))


@app.command("propose")
def propose(
    file: FileArgument,
    service: Annotated[
        str,
        typer.Option(
            "--service", help="Safe Transaction Service base URL, e.g. https://api.safe.global/tx-service/eth."
        ),
    ],
    rpc_url: RpcUrlOption = None,
    config: ConfigOption = None,
    json_output: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Post each pending SafeTx to a Safe Transaction Service, then its further signatures as confirmations.

    Nothing is posted unless the service describes the Safe as the chain does (owners, threshold, nonce, singleton).
    """
    from indexops.render.safe import propose_json, propose_table
    from indexops.safe.service import HttpTransactionService
    from indexops.workflows.safe.chain import read_safe_view
    from indexops.workflows.safe.decode import check_file_against_config
    from indexops.workflows.safe.files import read_export
    from indexops.workflows.safe.propose import propose_export

    loaded = context.config(config)
    export = read_export(file)
    safe_file, sidecar_path = export.require_sidecar(), export.require_sidecar_path()
    where = check_file_against_config(safe_file, loaded, str(sidecar_path))
    client = HttpTransactionService(service, api_key=os.environ.get(SERVICE_KEY_ENV))
    connection = context.connect_to(where, rpc_url)
    chain_name = f"chain {connection.chain_id} ({where.name})"
    proposed = propose_export(
        sidecar_path, safe_file, client, read_safe_view(connection.w3, safe_file.safe), chain_name
    )
    if json_output:
        emit_json(propose_json(proposed, client.display_url, connection.chain_id, where.name))
    else:
        stdout().print(propose_table(proposed, client.display_url, chain_name))


def _signer(account: str | None, keystore: Path | None, sandbox: bool):
    from indexops.signing import resolve_signer

    return resolve_signer(account, keystore, environ=os.environ, sandbox=sandbox, password=_ask_password)


def _ask_password(prompt: str) -> str:
    if not sys.stdin.isatty():
        raise UsageError(f"{prompt}: not a terminal; set INDEXOPS_KEYSTORE_PASSWORD")
    import questionary

    return questionary.password(prompt).ask()


def _confirm(count: int, yes: bool) -> None:
    confirm_or_stop(f"Execute {count} Safe transaction(s)?", yes, "review with `indexops safe decode`")
