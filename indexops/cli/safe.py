"""`indexops safe ...`: export operator calls for a Safe, decode and verify them, sign, execute, propose; and the
Transaction Service queue: pending, confirm, exec by safeTxHash, reject; and `info`, the Safe against products.toml."""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

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
    help=(
        "Multisig: export a plan's operator calls for a Safe, decode and verify, sign, execute, propose; "
        "the service's queue (pending, confirm, exec, reject); info."
    ),
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
SERVICE_URL_ENV = "SAFE_TRANSACTION_SERVICE_URL"
_SERVICE_HELP = "Safe Transaction Service base URL, e.g. https://api.safe.global/tx-service/eth"
ServiceOption = Annotated[str, typer.Option("--service", help=_SERVICE_HELP + ".", envvar=SERVICE_URL_ENV)]
OptionalServiceOption = Annotated[
    str | None,
    typer.Option("--service", help=_SERVICE_HELP + "; its queue gives the next free nonce.", envvar=SERVICE_URL_ENV),
]
SafeArgument = Annotated[str, typer.Argument(help="The Safe's address.", metavar="SAFE")]
EthSignOption = Annotated[
    bool, typer.Option("--eth-sign", help="Sign the hash as an eth_sign message (v + 4) instead of EIP-712 typed data.")
]
ApproveHashOption = Annotated[
    bool,
    typer.Option(
        "--approve-hash", help="Approve the hash on chain (approveHash from the owner's account) instead of signing."
    ),
]
AsOwnerOption = Annotated[
    str | None,
    typer.Option(
        "--as-owner",
        help="Sign for this owner, a Safe the signer owns (a contract signature, EIP-1271).",
        metavar="OWNER_SAFE",
    ),
]
YesOption = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]


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
    service: OptionalServiceOption = None,
    rpc_url: RpcUrlOption = None,
    config: ConfigOption = None,
    json_output: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Write the plan's Safe-signed steps as a Transaction Builder batch file and a *.safetx.json sidecar.

    With --service the first nonce is the next free one after the service's queue; --nonce N takes N, and a
    queued N is replaced (whichever executes first voids the others)."""
    from indexops.chain.accounts import parse_address
    from indexops.config.selection import choose_product
    from indexops.plans import load_plan
    from indexops.render.safe import export_json, export_table
    from indexops.workflows.safe.export import destination, export_plan

    loaded = context.config(config)
    plan = load_plan(plan_file)
    where_to = destination(out, plan_file.resolve().parent)
    target = choose_product(loaded, plan.product, plan.network)
    client = _client(service, target.where.network.chain_id) if service else None
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
        service=client,
    )
    if json_output:
        emit_json({**export_json(result), **_nonce_json(result)})
    else:
        stdout().print(export_table(result))
        if result.nonce is not None and (service or result.replaces):
            stdout().print(escape(result.nonce.describe))


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
    approve_hash: ApproveHashOption = False,
    as_owner: AsOwnerOption = None,
    receipt_timeout: ReceiptTimeoutOption = 180,
    rpc_url: RpcUrlOption = None,
    config: ConfigOption = None,
    json_output: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Sign every pending SafeTx of a verified export with one owner's key; the signatures go in the sidecar.

    --approve-hash and --as-owner need the chain: an approval is a transaction from the owner, and a contract
    signature is checked against the owner Safe's owners and its own answer (isValidSignature)."""
    from indexops.chain.accounts import parse_address
    from indexops.render.safe import sign_json, sign_table
    from indexops.workflows.safe.decode import check_file_against_config
    from indexops.workflows.safe.files import read_export
    from indexops.workflows.safe.sign import parse_owner_signature, sign_export, sign_export_on_chain

    loaded = context.config(config)
    export = read_export(file)
    where = check_file_against_config(export.require_sidecar(), loaded, str(export.sidecar_path))
    on_chain = approve_hash or as_owner is not None
    if on_chain and (add_signature or eth_sign or (approve_hash and as_owner)):
        raise UsageError(
            "--approve-hash and --as-owner each go alone: not with each other, --eth-sign or --add-signature"
        )
    pairs = [parse_owner_signature(text) for text in add_signature or []]
    own_key = account is not None or keystore is not None or not pairs
    signer = _signer(account, keystore, where.network.sandbox) if own_key else None
    if on_chain and signer is not None:
        from indexops.execution.signer_lock import holding_signers
        from indexops.paths import user_data_dir

        connection = context.connect_to(where, rpc_url)
        with holding_signers(user_data_dir(), connection.chain_id, [signer.address]):
            result = sign_export_on_chain(
                export,
                connection,
                signer,
                as_owner=parse_address(as_owner, "--as-owner") if as_owner else None,
                receipt_timeout=receipt_timeout,
            )
    else:
        result = sign_export(export, signer, pairs=pairs, eth_sign=eth_sign)
    if json_output:
        emit_json(sign_json(result))
    else:
        stdout().print(sign_table(result))


@app.command("exec")
def exec_(
    target: Annotated[
        str,
        typer.Argument(
            help="A batch file or *.safetx.json sidecar, or the safeTxHash of a transaction queued at --service.",
            metavar="FILE|SAFE_TX_HASH",
        ),
    ],
    account: AccountOption = None,
    keystore: KeystoreOption = None,
    yes: YesOption = False,
    next_only: Annotated[
        bool,
        typer.Option(
            "--next", help="Execute only the next pending SafeTx (a lever plan's chunks wait for a cool-off between)."
        ),
    ] = False,
    receipt_timeout: ReceiptTimeoutOption = 180,
    service: Annotated[
        str | None,
        typer.Option("--service", help=_SERVICE_HELP + " (with a safeTxHash).", envvar=SERVICE_URL_ENV),
    ] = None,
    network: NetworkOption = None,
    rpc_url: RpcUrlOption = None,
    config: ConfigOption = None,
    json_output: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Execute the pending SafeTxs: signatures checked against the current owners, simulated, then sent.

    Given a safeTxHash, the SafeTx queued at --service: its hash recomputed from its fields, its confirmations
    checked as the Safe checks them. An executing owner who has not signed makes up one missing signature
    (its approved-hash signature, which the Safe takes from the sender without approval)."""
    from indexops.execution.signer_lock import holding_signers
    from indexops.paths import user_data_dir
    from indexops.render.safe import exec_json, executed_line, review_tables
    from indexops.workflows.safe.decode import check_file_against_config, review_export
    from indexops.workflows.safe.exec import check_before_exec, exec_export
    from indexops.workflows.safe.files import read_export

    if _is_safe_tx_hash(target) and not Path(target).exists():
        _exec_queued(target, account, keystore, yes, receipt_timeout, service, network, rpc_url, config, json_output)
        return
    if network is not None:
        raise UsageError("--network goes with a safeTxHash: a file names its own network")
    loaded = context.config(config)
    export = read_export(Path(target))
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
        if ready.sender_approves:
            stdout().print(_sender_approves(signer.address, ready.sender_approves))
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
    service: ServiceOption,
    replace_queued: Annotated[
        bool,
        typer.Option("--replace", help="Propose even where the service has other SafeTxs queued at the same nonce."),
    ] = False,
    rpc_url: RpcUrlOption = None,
    config: ConfigOption = None,
    json_output: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Post each pending SafeTx to a Safe Transaction Service, then its further signatures as confirmations.

    Nothing is posted unless the service serves the Safe's chain and describes the Safe as the chain does
    (owners, threshold, nonce, singleton), and each SafeTx takes the next free nonce of the service's queue
    (or, with --replace, a queued one).
    """
    from indexops.render.safe import propose_json, propose_table
    from indexops.workflows.safe.chain import read_safe_view
    from indexops.workflows.safe.decode import check_file_against_config
    from indexops.workflows.safe.files import read_export
    from indexops.workflows.safe.propose import propose_export
    from indexops.workflows.safe.queue import queued_nonces

    loaded = context.config(config)
    export = read_export(file)
    safe_file, sidecar_path = export.require_sidecar(), export.require_sidecar_path()
    where = check_file_against_config(safe_file, loaded, str(sidecar_path))
    client = _client(service, where.network.chain_id)
    connection = context.connect_to(where, rpc_url)
    chain_name = f"chain {connection.chain_id} ({where.name})"
    queued = queued_nonces(client, connection.w3, safe_file.safe)
    proposed = propose_export(
        sidecar_path,
        safe_file,
        client,
        read_safe_view(connection.w3, safe_file.safe),
        chain_name,
        queued=queued,
        replace=replace_queued,
    )
    if json_output:
        emit_json(propose_json(proposed, client.display_url, connection.chain_id, where.name))
    else:
        stdout().print(propose_table(proposed, client.display_url, chain_name))
        for item in proposed:
            if item.replaces:
                stdout().print(f"nonce {item.nonce} replaces {', '.join(item.replaces)} if executed first")


@app.command("pending")
def pending(
    safe: SafeArgument,
    service: ServiceOption,
    network: NetworkOption = None,
    rpc_url: RpcUrlOption = None,
    config: ConfigOption = None,
    json_output: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """The Transaction Service's queue for a Safe, each SafeTx checked, decoded and whether it can execute now.

    For each: nonce, safeTxHash (recomputed from its fields), confirmations checked as the Safe checks them against
    the threshold, who has signed and who has not, its calls decoded as `safe decode` decodes them, flags."""
    from indexops.chain.accounts import parse_address
    from indexops.config.selection import choose_network
    from indexops.workflows.safe.pending import pending as read_pending

    address = parse_address(safe, "SAFE")
    loaded = context.config(config)
    where = choose_network(loaded, network)
    client = _client(service, where.network.chain_id)
    connection = context.connect_to(where, rpc_url)
    found = read_pending(connection.w3, client, address, loaded, where)
    if json_output:
        emit_json(_plain(found))
    else:
        for table in _pending_tables(found):
            stdout().print(table)
    if found.mismatched:
        raise QueueHashMismatch(len(found.mismatched))


@app.command("confirm")
def confirm(
    safe_tx_hash: Annotated[str, typer.Argument(help="The safeTxHash of the queued SafeTx.", metavar="SAFE_TX_HASH")],
    service: ServiceOption,
    account: AccountOption = None,
    keystore: KeystoreOption = None,
    eth_sign: EthSignOption = False,
    approve_hash: ApproveHashOption = False,
    as_owner: AsOwnerOption = None,
    simulate: Annotated[
        bool, typer.Option("--simulate", help="Run the SafeTx on a fork first and show what it changes.")
    ] = False,
    strict: Annotated[bool, typer.Option("--strict", help="Refuse to sign when anything is flagged.")] = False,
    yes: YesOption = False,
    receipt_timeout: ReceiptTimeoutOption = 180,
    network: NetworkOption = None,
    rpc_url: RpcUrlOption = None,
    config: ConfigOption = None,
    json_output: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Sign a queued SafeTx and post the confirmation, after checking and showing it.

    Its hash is recomputed from the service's fields (refused when the service's differs), its calls shown decoded
    as `safe decode` shows them, optionally simulated; then signed (EIP-712, --eth-sign, --approve-hash on chain,
    or --as-owner for a Safe you own that owns this one) and posted."""
    from indexops.chain.accounts import parse_address
    from indexops.config.selection import choose_network
    from indexops.render.safe import review_json, review_tables, simulation_json, simulation_table
    from indexops.values import bytes32
    from indexops.workflows.safe.confirm import How, check_confirmable, confirm_queued
    from indexops.workflows.safe.queue import read_queued, review_queued
    from indexops.workflows.safe.simulate import simulate_one

    if sum((eth_sign, approve_hash, as_owner is not None)) > 1:
        raise UsageError("--eth-sign, --approve-hash and --as-owner are three ways to confirm: choose one")
    digest = bytes32(safe_tx_hash, "SAFE_TX_HASH")
    owner_safe = parse_address(as_owner, "--as-owner") if as_owner else None
    loaded = context.config(config)
    where = choose_network(loaded, network)
    client = _client(service, where.network.chain_id)
    connection = context.connect_to(where, rpc_url)
    queued, state = read_queued(connection.w3, client, digest, f"chain {connection.chain_id} ({where.name})")
    check_confirmable(queued, state)
    review = review_queued(queued, state, loaded, where, client.display_url)
    simulation = (
        simulate_one(loaded, where, queued.safe_tx, review, context.rpc_url_for(where, rpc_url)) if simulate else None
    )
    if not json_output:
        for table in review_tables(review) + ([simulation_table(simulation)] if simulation else []):
            stdout().print(table)
    if simulation is not None and not simulation.ok:
        failed = next(tx for tx in simulation.transactions if not tx.ok)
        raise SimulationFailed(failed.nonce, failed.reason)
    if strict and review.flags:
        raise FlagsRaised(len(review.flags))
    signer = _signer(account, keystore, where.network.sandbox)
    confirm_or_stop(
        f"Confirm nonce {queued.safe_tx.nonce} (0x{digest.hex()}) as {owner_safe or signer.address}?",
        yes,
        f"review it with `indexops safe pending {state.address}`",
    )
    how: How = "approve_hash" if approve_hash else "eth_sign" if eth_sign else "eip712"
    from indexops.execution.signer_lock import holding_signers
    from indexops.paths import user_data_dir

    with holding_signers(user_data_dir(), connection.chain_id, [signer.address]):
        confirmed = confirm_queued(
            connection, client, queued, state, signer, how=how, as_owner=owner_safe, receipt_timeout=receipt_timeout
        )
    if json_output:
        emit_json(
            {
                "confirmed": _plain(confirmed),
                "review": review_json(review),
                "simulation": simulation_json(simulation) if simulation else None,
            }
        )
    else:
        stdout().print(_confirmed_table(confirmed, client.display_url))


@app.command("reject")
def reject(
    nonce: Annotated[int, typer.Argument(help="The queued nonce to reject.", min=0)],
    service: ServiceOption,
    safe: Annotated[
        str | None,
        typer.Option("--safe", help="The Safe (default: the one Safe operating products on the network)."),
    ] = None,
    account: AccountOption = None,
    keystore: KeystoreOption = None,
    network: NetworkOption = None,
    rpc_url: RpcUrlOption = None,
    config: ConfigOption = None,
    json_output: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Propose the standard rejection of a queued nonce, signed by you.

    The rejection is a zero-value call from the Safe to itself at that nonce: once executed it uses the nonce, so
    nothing else queued there can execute."""
    from indexops.config.selection import choose_network
    from indexops.workflows.safe.reject import reject_nonce

    loaded = context.config(config)
    where = choose_network(loaded, network)
    address = _safe_for(loaded, where, safe)
    client = _client(service, where.network.chain_id)
    connection = context.connect_to(where, rpc_url)
    signer = _signer(account, keystore, where.network.sandbox)
    chain_name = f"chain {connection.chain_id} ({where.name})"
    rejected = reject_nonce(connection.w3, client, address, nonce, signer, chain_name)
    if json_output:
        emit_json({"service": client.display_url, "rejected": _plain(rejected)})
    else:
        table = _key_values(f"Rejection proposed to {escape(client.display_url)}")
        table.add_row("nonce", str(rejected.nonce))
        table.add_row("safeTxHash", rejected.safe_tx_hash)
        table.add_row("signed by", rejected.sender)
        table.add_row("voids", "\n".join(rejected.replaces))
        table.add_row("next", f"another owner: `indexops safe confirm {rejected.safe_tx_hash}`")
        stdout().print(table)


@app.command("info")
def info(
    safe: SafeArgument,
    service: Annotated[str | None, typer.Option("--service", help=_SERVICE_HELP + "; compared with the chain.")] = None,
    network: NetworkOption = None,
    rpc_url: RpcUrlOption = None,
    config: ConfigOption = None,
    json_output: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """What the chain says a Safe is, beside what the products file says of it.

    Owners, threshold, nonce, version, modules, guard, fallback handler and master copy; the products whose operator
    it is and the roles it holds on chain; notices for what signers should know."""
    from indexops.chain.accounts import parse_address
    from indexops.config.selection import choose_network
    from indexops.workflows.safe.info import safe_info

    address = parse_address(safe, "SAFE")
    loaded = context.config(config)
    where = choose_network(loaded, network)
    client = _client(service, where.network.chain_id) if service else None
    connection = context.connect_to(where, rpc_url)
    found = safe_info(connection.w3, loaded, where, address, client)
    if json_output:
        emit_json(_plain(found))
    else:
        stdout().print(_info_table(found))


class QueueHashMismatch(IndexopsError):
    def __init__(self, count: int):
        super().__init__(
            f"{count} queued transaction(s) do not hash to the safeTxHash the service gives (listed above): do not sign"
        )


def _exec_queued(
    safe_tx_hash: str,
    account,
    keystore,
    yes: bool,
    receipt_timeout: int,
    service,
    network,
    rpc_url,
    config,
    json_output,
) -> None:
    from indexops.config.selection import choose_network
    from indexops.execution.signer_lock import holding_signers
    from indexops.paths import user_data_dir
    from indexops.render.safe import exec_json, executed_line, review_tables
    from indexops.values import bytes32
    from indexops.workflows.safe.exec import check_queued_before_exec, exec_queued
    from indexops.workflows.safe.queue import read_queued, review_queued

    if service is None:
        raise UsageError(
            f"a safeTxHash is executed from a Transaction Service's queue: give --service (or {SERVICE_URL_ENV})"
        )
    digest = bytes32(safe_tx_hash, "SAFE_TX_HASH")
    loaded = context.config(config)
    where = choose_network(loaded, network)
    client = _client(service, where.network.chain_id)
    connection = context.connect_to(where, rpc_url)
    queued, state = read_queued(connection.w3, client, digest, f"chain {connection.chain_id} ({where.name})")
    signer = _signer(account, keystore, where.network.sandbox)
    ready = check_queued_before_exec(connection, queued, state, signer.address)
    if not json_output:
        for table in review_tables(review_queued(queued, state, loaded, where, client.display_url)):
            stdout().print(table)
        if ready.sender_approved:
            stdout().print(_sender_approves(signer.address, (queued.safe_tx.nonce,)))
    _confirm(1, yes)
    with holding_signers(user_data_dir(), connection.chain_id, [signer.address]):
        executed = exec_queued(connection, ready, signer, receipt_timeout=receipt_timeout)
    if json_output:
        emit_json(exec_json((executed,)))
    else:
        stdout().print(executed_line(executed))


def _sender_approves(sender: str, nonces) -> str:
    listed = ", ".join(str(nonce) for nonce in nonces)
    return (
        f"{sender} is an owner who has not signed nonce {listed}: sending it counts as that owner's "
        "approval (approved hash, v 1), which makes up the threshold"
    )


def _is_safe_tx_hash(text: str) -> bool:
    return len(text) == 66 and text[:2] in ("0x", "0X") and all(c in "0123456789abcdefABCDEF" for c in text[2:])


def _client(url: str, chain_id: int):
    from indexops.safe.service import HttpTransactionService

    return HttpTransactionService(url, chain_id, api_key=os.environ.get(SERVICE_KEY_ENV))


def _safe_for(loaded, where, text: str | None) -> str:
    """--safe, or the one Safe that operates products of the products file on this network."""
    from indexops.chain.accounts import parse_address

    if text is not None:
        return parse_address(text, "--safe")
    safes = sorted(
        {
            deployment.operator
            for product in loaded.file.products.values()
            if (deployment := product.deployments.get(where.name)) is not None
            and deployment.operator_is_safe
            and deployment.operator
        }
    )
    if len(safes) != 1:
        found = ", ".join(safes) or "none"
        raise UsageError(
            f"give --safe: the products file names {len(safes)} Safe operator(s) on {where.name} ({found})"
        )
    return parse_address(safes[0], "operator")


def _nonce_json(result) -> dict:
    if result.nonce is None:
        return {}
    return {"nonce_source": result.nonce.source, "replaces": list(result.replaces)}


def _plain(value):
    from dataclasses import asdict

    return asdict(value)


# ---- tables of the queue verbs and info -----------------------------------------------------------


def _key_values(title: str):
    from rich.table import Table

    table = Table(title=title, show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    return table


def _pending_tables(found) -> list:
    head = _key_values(f"Queue of {found.safe} at {escape(found.service)}")
    owners = f"{found.threshold} of {len(found.owners)} owners"
    head.add_row("Safe", f"version {found.version}, {owners}, nonce {found.nonce}")
    head.add_row("network", f"{found.network} (chain {found.chain_id})")
    head.add_row("queued", f"{len(found.transactions)} SafeTx(s); next free nonce {found.next_free_nonce}")
    tables = [head]
    for tx in found.transactions:
        table = _key_values(
            f"nonce {tx.nonce}: " + (f"[green]{escape(tx.status)}[/]" if tx.executable else escape(tx.status))
        )
        table.add_row("safeTxHash", tx.safe_tx_hash)
        table.add_row("what", _what(tx))
        table.add_row("signed", _signed(tx))
        if tx.proposer:
            table.add_row("proposed by", tx.proposer + (f" at {tx.submitted}" if tx.submitted else ""))
        tables.append(table)
    return tables


def _what(tx) -> str:
    if not tx.hash_matches:
        return f"[red]not shown: its fields hash to {tx.computed_hash}, not to its safeTxHash[/]"
    if tx.rejection:
        return "rejection: a zero-value call to the Safe itself, voiding this nonce"
    lines = []
    for call in tx.review.calls:
        target = escape(call.target or f"{call.to} (unknown)")
        function = call.function or f"unknown {call.selector or '(no data)'}"
        lines.append(f"{target}.{escape(function)}")
        lines += [f"  {escape(arg.name)} = {escape(arg.display)}" for arg in call.args]
    lines += [f"[yellow]{escape(flag.message)}[/]" for flag in tx.flags]
    return "\n".join(lines) or "(no call)"


def _signed(tx) -> str:
    lines = [f"{tx.valid} of {tx.threshold} needed"]
    for item in tx.confirmations:
        mark = "[green]✓[/]" if item.valid else "[red]✗[/]"
        lines.append(f"{mark} {item.owner} ({item.kind})" + (f": {escape(item.problem)}" if item.problem else ""))
    lines += [f"[red]✗[/] {escape(reason)}" for reason in tx.set_aside]
    if tx.not_signed:
        lines.append("not yet: " + ", ".join(tx.not_signed))
    return "\n".join(lines)


def _confirmed_table(confirmed, service_url: str):
    table = _key_values(f"Confirmation posted to {escape(service_url)}")
    table.add_row("nonce", str(confirmed.nonce))
    table.add_row("safeTxHash", confirmed.safe_tx_hash)
    owner = confirmed.owner + (" (contract signature, EIP-1271)" if confirmed.signed_for else f" ({confirmed.kind})")
    table.add_row("by", owner)
    if confirmed.approved_in:
        table.add_row("approveHash", confirmed.approved_in)
    table.add_row("confirmations", f"{len(confirmed.signers)} of {confirmed.threshold}: {', '.join(confirmed.signers)}")
    return table


def _info_table(found):
    table = _key_values(f"Safe {found.address} on {found.network} (chain {found.chain_id}, block {found.block})")
    table.add_row("version", found.version)
    table.add_row("owners", f"{found.threshold} of {len(found.owners)}: " + ", ".join(found.owners))
    table.add_row("nonce", str(found.nonce))
    table.add_row("modules", ", ".join(found.modules) or "none")
    table.add_row("guard", found.guard)
    table.add_row("fallback handler", found.fallback_handler)
    official = (
        f"official Safe {found.official_singleton}" if found.official_singleton else "not an official Safe deployment"
    )
    table.add_row("master copy", f"{found.master_copy} ({official})")
    for role in found.products:
        held = ", ".join(role.roles_held) or "no role"
        table.add_row(
            f"operates {escape(role.product)}",
            f"on chain: {held}; operator_is_safe {str(role.operator_is_safe).lower()}",
        )
    if found.service is not None:
        table.add_row(
            "service", f"{escape(found.service)}: " + ("agrees" if not found.service_differences else "disagrees")
        )
    for notice in found.notices:
        table.add_row("notice", f"[yellow]{escape(notice)}[/]")
    return table


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
