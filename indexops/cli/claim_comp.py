"""`indexops claim-comp PRODUCT | --all`: preview a leverage token's COMP claim, claim it, absorb it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from indexops.cli import context
from indexops.cli.confirm import confirm_or_stop
from indexops.cli.options import (
    ConfigOption,
    DebugOption,
    JsonOption,
    MaxGasPriceOption,
    MaxGasWaitOption,
    NetworkOption,
    ReceiptTimeoutOption,
    RpcUrlOption,
)
from indexops.cli.output import emit_json, note, stdout

SANDBOX_CLAIMER = "1"  # the sandbox's operator, anvil account 1: it may claim (anyoneClaim) and absorb


def claim_comp(
    product: Annotated[str | None, typer.Argument(help="A leverage product key, e.g. eth2x-fli.")] = None,
    every: Annotated[
        bool, typer.Option("--all", help="Every leverage product of the network with a claim module.")
    ] = False,
    account: Annotated[
        str | None,
        typer.Option(
            "--account",
            help="The claim's signer: anvil account N (sandbox; default there: 1, the operator), a Foundry "
            "keystore name; with --dry-run also any address. --absorb needs the operator.",
        ),
    ] = None,
    keystore: Annotated[
        Path | None, typer.Option("--keystore", help="The signer from an encrypted JSON keystore file.")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the preview and send nothing.")] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Claim even below products.<key>.rewards.min_net_usd.")
    ] = False,
    absorb: Annotated[
        bool,
        typer.Option(
            "--absorb",
            help="After the claim, make the COMP a position (AirdropModule.absorb, the operator's; a Safe operator "
            "gets a Transaction Builder batch). Issuance then requires COMP.",
        ),
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    journal: Annotated[
        Path | None, typer.Option("--journal", help="Journal file (default: in the user data dir).")
    ] = None,
    max_gas_price: MaxGasPriceOption = None,
    max_gas_wait: MaxGasWaitOption = 600,
    receipt_timeout: ReceiptTimeoutOption = 180,
    network: NetworkOption = None,
    rpc_url: RpcUrlOption = None,
    config: ConfigOption = None,
    json_output: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Claim the COMP a leverage token has earned: the claim simulated in the next block, its value in USD and
    WETH, its gas at the pending base fee plus tip, and the net; below the product's minimum net it stops
    (exit 1) unless --force. The claim is simulated, journaled and sent like `indexops execute`'s steps.
    """
    from indexops.cli.execute import _reporter
    from indexops.paths import user_data_dir
    from indexops.workflows.claim_comp import BelowMinimum, claim_targets, prepare
    from indexops.workflows.claim_send import Sending, left_in_flight

    loaded = context.config(config)
    targets = claim_targets(loaded, product, every, network)
    where = targets[0].where
    connection = context.connect_to(where, rpc_url)
    signer = None if dry_run and _is_address(account) else _signer(account, keystore, where.network.sandbox)
    caller = signer.address if signer is not None else context.resolve_account(account, where, connection)
    assert caller is not None
    prepared = [prepare(connection, target, caller, absorb=absorb) for target in targets]
    sending = Sending(
        data_dir=user_data_dir(),
        journal=journal,
        gas_cap_gwei=max_gas_price,
        max_gas_wait=max_gas_wait,
        receipt_timeout=receipt_timeout,
        report=_reporter(False) if not json_output else (lambda kind, **fields: None),
    )
    left = [left_in_flight(connection, p.target, "claim-comp", sending) for p in prepared]
    documents = [
        {**p.preview.as_json(), "in_flight": str(found[1]) if found else None, "claim": None, "absorb": None}
        for p, found in zip(prepared, left, strict=True)
    ]
    if not json_output:
        _show_previews([p.preview for p in prepared], dry_run)
    chosen, below = _chosen(prepared, left, force, dry_run)
    if dry_run or not chosen:
        _finish(documents, json_output)
        if below and not dry_run:
            raise BelowMinimum(below, str(loaded.path))
        return
    assert signer is not None
    _confirm(len(chosen), yes)
    for index, item in chosen:
        _claim(connection, loaded, item, signer, sending, documents[index], left[index], absorb, json_output)
    _finish(documents, json_output)
    if debug:
        note(f"RPC round trips: {connection.round_trips}")
    if below and not force:
        raise BelowMinimum(below, str(loaded.path))


def _chosen(prepared: list, left: list, force: bool, dry_run: bool) -> tuple[list, list]:
    """(index, product) of the claims to send or follow, and the previews stopped below their minimum. A claim an
    earlier run left in flight is followed whatever the new preview says: it is not a new send."""
    chosen, below = [], []
    for index, (item, found) in enumerate(zip(prepared, left, strict=True)):
        if found is not None:
            follow = "run without --dry-run to follow it" if dry_run else "it is followed, not sent again"
            note(f"{item.target.key}: a claim journaled by an earlier run is in flight ({found[1]}): {follow}")
        if force or item.preview.meets_minimum or found is not None:
            chosen.append((index, item))
        else:
            below.append(item.preview)
    return chosen, below


def _claim(connection, loaded, item, signer, sending, document: dict, left, absorb: bool, json_output: bool) -> None:
    from indexops.render.claim_comp import absorb_lines, choices, claim_lines
    from indexops.workflows import claim_send

    result = claim_send.claim(connection, item, signer, sending, left)
    document["claim"] = result.as_json()
    lines = claim_lines(item.preview, result)
    if absorb:
        absorbed = claim_send.absorb(connection, loaded, item, signer, sending)
        document["absorb"] = absorbed.as_json()
        lines += absorb_lines(item.preview, absorbed)
    else:
        lines += choices(item.preview)
    if not json_output:
        for line in lines:
            stdout().print(line)


def _show_previews(previews, dry_run: bool) -> None:
    from indexops.render.claim_comp import preview_table, price_notes

    stdout().print(preview_table(previews, dry_run))
    for line in price_notes(previews):
        note(f"[dim]note:[/] {line}")


def _finish(documents: list[dict], json_output: bool) -> None:
    if json_output:
        emit_json(documents)


def _is_address(account: str | None) -> bool:
    return account is not None and (account[:2] in ("0x", "0X") or account.lstrip("-").isdigit())


def _signer(account: str | None, keystore: Path | None, sandbox: bool):
    """The signer as `indexops execute` resolves it; on the sandbox without a choice, its operator (account 1)."""
    from indexops.cli.execute import _ask_password
    from indexops.signing import resolve_signer
    from indexops.signing.env import env_key_is_set

    if account is None and keystore is None and sandbox and not env_key_is_set(os.environ):
        account = SANDBOX_CLAIMER
    return resolve_signer(account, keystore, environ=os.environ, sandbox=sandbox, password=_ask_password)


def _confirm(count: int, yes: bool) -> None:
    confirm_or_stop(f"Send {count} claim(s)?", yes, "review the preview (--dry-run)")
