"""What `indexops rewards` and `indexops wrap` share: who sends (a signer, or the operator's Safe), the options of a
send, the confirmation, following a call left in flight, and sending a prepared call's plan."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from indexops.cli import context
from indexops.cli.confirm import confirm_or_stop
from indexops.cli.output import emit_json, note, stdout
from indexops.errors import UsageError

AccountOption = Annotated[
    str | None,
    typer.Option(
        "--account",
        help="The operator's signer: anvil account N (sandbox), a Foundry keystore name; with --dry-run also any "
        "address. Not for a Safe operator, whose calls are exported.",
    ),
]
KeystoreOption = Annotated[Path | None, typer.Option("--keystore", help="The signer from an encrypted JSON keystore.")]
DryRunOption = Annotated[bool, typer.Option("--dry-run", help="Show the preview and send nothing.")]
YesOption = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]
JournalOption = Annotated[Path | None, typer.Option("--journal", help="Journal file (default: in the user data dir).")]


@dataclass(frozen=True)
class Choices:
    """A command's common options: who sends, how, and where."""

    account: str | None
    keystore: Path | None
    dry_run: bool
    yes: bool
    journal: Path | None
    max_gas_price: float | None
    max_gas_wait: int
    receipt_timeout: int
    network: str | None
    rpc_url: Any
    config: Path | None
    json_output: bool


@dataclass(frozen=True)
class Session:
    choices: Choices
    loaded: Any
    target: Any
    connection: Any
    caller: str  # the address calls are simulated from: the signer's, or the operator's Safe
    signer: Any  # None for a dry run from an address, or a Safe operator
    how: Any  # workflows.claim_send.Sending


def open_session(product: str, choices: Choices) -> Session:
    from indexops.workflows.claim_send import Sending

    loaded = context.config(choices.config)
    target = context.product(choices.config, product, choices.network)
    connection = context.connect_to(target.where, choices.rpc_url)
    caller, signer = _caller_and_signer(target, connection, choices)
    how = Sending(
        data_dir=_data_dir(),
        journal=choices.journal,
        gas_cap_gwei=choices.max_gas_price,
        max_gas_wait=choices.max_gas_wait,
        receipt_timeout=choices.receipt_timeout,
        report=_report(choices.json_output),
    )
    return Session(choices, loaded, target, connection, caller, signer, how)


def perform(
    session: Session,
    action: str,
    prepare: Callable[[Session], Any],
    table: Callable[[Any, bool], Any],
    question: Callable[[Any], str],
    after: Callable[[Any, int], tuple[dict, list[str]]],
) -> None:
    """Follow `action` left in flight, or prepare it (checked, simulated), show it, and unless a dry run confirm and
    send it; `after(prepared, block)` reads what the chain holds then, for JSON and for lines."""
    from indexops.render.productive import sent_lines
    from indexops.workflows.productive_send import send_plan, write_calls_plan

    choices = session.choices
    if not choices.dry_run and _followed(session, action):
        return
    prepared = prepare(session)
    document = {**prepared.as_json(), "plan": None}
    if not choices.json_output:
        stdout().print(table(prepared, choices.dry_run))
    if not choices.dry_run:
        confirm_or_stop(question(prepared), choices.yes, "review the preview (--dry-run)")
        connection = session.connection
        plan, path = write_calls_plan(
            session.target,
            prepared.prices.snapshot,
            prepared.steps,
            action,
            gas_price_wei=int(connection.w3.eth.gas_price),
            data_dir=session.how.data_dir,
        )
        if not choices.json_output:
            note(f"plan {path} ({len(plan.steps)} call(s))")
        sent = send_plan(connection, session.loaded, session.target, plan, path, session.signer, session.how)
        document["plan"] = sent.as_json()
        lines = sent_lines(sent)
        if sent.block_number is not None:
            read, said = after(prepared, sent.block_number)
            document["after"] = read
            lines += said
        if not choices.json_output:
            for line in lines:
                stdout().print(line)
    if choices.json_output:
        emit_json(document)


def _followed(session: Session, action: str) -> bool:
    """Follow the `action` plan an earlier run left in flight to its receipts, instead of sending a new one."""
    from indexops.render.productive import sent_lines
    from indexops.workflows.claim_send import left_in_flight
    from indexops.workflows.productive_send import send_plan

    target = session.target
    left = (
        None if target.deployment.operator_is_safe else left_in_flight(session.connection, target, action, session.how)
    )
    if left is None:
        return False
    note(f"{target.key}: a {action} journaled by an earlier run is in flight ({left[1]}): followed, not sent again")
    sent = send_plan(session.connection, session.loaded, target, left[0], left[1], session.signer, session.how)
    if session.choices.json_output:
        emit_json({"product": target.key, "resumed": True, "plan": sent.as_json()})
    else:
        for line in [*sent_lines(sent), "  run the command again for a new one"]:
            stdout().print(line)
    return True


def _caller_and_signer(target, connection, choices: Choices) -> tuple[str, Any]:
    deployment = target.deployment
    if deployment.operator_is_safe and deployment.operator is not None:
        if choices.account is not None or choices.keystore is not None:
            raise UsageError(
                f"the operator of {target.key} is the Safe {deployment.operator}: its calls are exported for its "
                "owners, not signed here; drop --account / --keystore"
            )
        return deployment.operator, None
    account = choices.account
    if choices.dry_run and account is None and choices.keystore is None and deployment.operator is not None:
        return deployment.operator, None
    if choices.dry_run and account is not None and account[:2] in ("0x", "0X"):
        address = context.resolve_account(account, target.where, connection)
        assert address is not None
        return address, None
    from indexops.cli.execute import _ask_password
    from indexops.signing import resolve_signer

    sandbox = target.where.network.sandbox
    signer = resolve_signer(account, choices.keystore, environ=os.environ, sandbox=sandbox, password=_ask_password)
    return signer.address, signer


def _data_dir() -> Path:
    from indexops.paths import user_data_dir

    return user_data_dir()


def _report(json_output: bool):
    from indexops.cli.execute import _reporter

    return (lambda kind, **fields: None) if json_output else _reporter(False)
