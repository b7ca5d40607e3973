"""`indexops execute PLANFILE`: run a reviewed plan, exactly once per step, resumable."""

from __future__ import annotations

import json
import os
import re
import sys
from contextlib import contextmanager
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
    ReceiptTimeoutOption,
    RpcUrlOption,
)
from indexops.cli.output import emit_json, note, stdout
from indexops.errors import UsageError


def execute(
    plan_file: Annotated[Path, typer.Argument(help="A plan file written by `indexops plan`.")],
    account: Annotated[
        str | None,
        typer.Option(
            "--account", help="Operator signer: anvil account N (sandbox), a Foundry keystore name, or an address."
        ),
    ] = None,
    keystore: Annotated[
        Path | None, typer.Option("--keystore", help="Operator signer from an encrypted JSON keystore file.")
    ] = None,
    trader: Annotated[
        str | None, typer.Option("--trader", help="Signer for GIM trades (default: the operator signer).")
    ] = None,
    keeper: Annotated[
        str | None,
        typer.Option(
            "--keeper",
            help="Signer for a leverage strategy's iterateRebalance: an EOA on its caller allowlist (default on the "
            "sandbox: its keeper, anvil account 9, when allowed; else the operator signer).",
        ),
    ] = None,
    max_gas_price: MaxGasPriceOption = None,
    max_gas_wait: MaxGasWaitOption = 600,
    receipt_timeout: ReceiptTimeoutOption = 180,
    warp: Annotated[
        bool, typer.Option("--warp", help="Sandbox: move anvil's clock past cool-offs instead of waiting.")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Execute a stale plan anyway (says what it overrides).")
    ] = False,
    journal: Annotated[
        Path | None, typer.Option("--journal", help="Journal file (default: in the user data dir).")
    ] = None,
    status: Annotated[bool, typer.Option("--status", help="Show what ran and what did not; send nothing.")] = False,
    rehearse: Annotated[
        bool,
        typer.Option(
            "--rehearse", help="Run the plan on a local fork of its network and compare with the plan; send nothing."
        ),
    ] = False,
    safe: Annotated[
        bool,
        typer.Option(
            "--safe", help="Export the steps the product's Safe sends (as `indexops safe export`); send nothing."
        ),
    ] = False,
    multisend: Annotated[
        bool,
        typer.Option("--multisend", help="With --safe: all Safe steps in one atomic SafeTx through MultiSendCallOnly."),
    ] = False,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="With --safe: the batch file (a path ending in .json, its sidecar beside it) or a directory "
            "(default: the plan file's).",
        ),
    ] = None,
    safe_tx: Annotated[
        str | None,
        typer.Option("--safe-tx", help="The transaction that executed the Safe's steps, journaled with them."),
    ] = None,
    safe_file: Annotated[
        Path | None,
        typer.Option(
            "--safe-file",
            help="The *.safetx.json sidecar of the Safe's steps: its executedIn hashes are journaled with them.",
        ),
    ] = None,
    batch: Annotated[
        bool,
        typer.Option("--batch", help="Check that the plan batches its trades (made with `indexops plan --batch`)."),
    ] = False,
    rpc_url: RpcUrlOption = None,
    config: ConfigOption = None,
    json_output: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Execute a plan: simulate each step, sign, journal, send, wait; resume where an earlier run stopped."""
    from indexops.config.selection import choose_product
    from indexops.execution.journal import Journal
    from indexops.execution.signer_lock import holding_signers
    from indexops.paths import user_data_dir
    from indexops.plans import load_plan
    from indexops.workflows import execute as workflow

    plan = load_plan(plan_file)
    if batch:
        workflow.check_batching(plan)
    if (multisend or out is not None) and not safe:
        raise UsageError("--multisend and --out go with --safe")
    if safe_tx is not None and not _TX_HASH.fullmatch(safe_tx):
        raise UsageError(f"--safe-tx {safe_tx!r}: expected 0x followed by 64 hex digits")
    loaded = context.config(config)
    target = choose_product(loaded, plan.product, plan.network)
    book = Journal.open(workflow.journal_path(journal, user_data_dir()))
    if status:
        _show_status(book, plan, target, json_output)
        return
    connection = context.connect_to(target.where, rpc_url)
    workflow.require_chain_id(connection, plan)
    if safe:
        _export_for_safe(connection, loaded, target, plan, plan_file, multisend, out, json_output)
        return
    if rehearse:
        _rehearse(connection, target, plan, account, trader, json_output, keeper)
        return
    safe_steps = workflow.safe_steps_of(
        connection,
        target,
        str(plan_file),
        tx_hash=safe_tx.lower() if safe_tx else None,
        tx_hashes=workflow.executed_in(safe_file, plan) if safe_file is not None else (),
    )
    signers = _signers(
        plan,
        target,
        account,
        keystore,
        trader,
        safe_steps.roles if safe_steps else frozenset(),
        keeper=keeper,
        connection=connection,
    )
    genesis = workflow.chain_genesis(connection, plan)
    senders = [signer.address for signer in signers.values()]
    with holding_signers(user_data_dir(), plan.chain_id, senders), book.acquire(plan.content_hash):
        book.begin_run(
            plan.content_hash,
            plan.product,
            plan.network,
            plan.chain_id,
            str(plan_file.resolve()),
            chain_genesis=genesis,
        )
        preflight = workflow.check_before_first_step(connection, target, plan, book, signers, force, safe_steps)
        for overridden in preflight.overridden:
            note(f"[bold yellow]--force overrides:[/] {overridden}")
        _confirm(plan, str(plan_file), yes, json_output, preflight.resuming)
        with _progress(plan, book, json_output) as progress:
            workflow.run_plan(
                connection,
                target,
                plan,
                book,
                signers,
                gas_cap_gwei=max_gas_price,
                warp=warp,
                report=_reporter(json_output, progress),
                max_gas_wait=max_gas_wait,
                receipt_timeout=receipt_timeout,
                on_warp=_sandbox_market(_sandbox_node(connection), plan) if warp else None,
                safe_steps=safe_steps,
            )


_TX_HASH = re.compile(r"0x[0-9a-fA-F]{64}")


def _export_for_safe(
    connection, loaded, target, plan, plan_file: Path, multisend: bool, out: Path | None, json_output: bool
) -> None:
    from indexops.workflows import execute as workflow

    result = workflow.export_for_safe(
        connection, loaded, target, plan, multisend=multisend, out=out, plan_dir=plan_file.resolve().parent
    )
    files = {
        "sidecar": str(result.sidecar_path),
        "batches": [str(path) for path in result.batch_paths],
        "safe": result.safe.address,
        "nonces": [entry.safe_tx.nonce for entry in result.file.transactions],
    }
    if json_output:
        emit_json(files)
        return
    out_text = stdout()
    out_text.print(f"Nothing was sent. The Safe {result.safe.address}'s steps went to:")
    for path in result.batch_paths:
        out_text.print(f"  batch file  {path}")
    out_text.print(f"  SafeTxs     {result.sidecar_path}")
    out_text.print(
        f"Sign with `indexops safe sign {result.sidecar_path}` "
        f"({result.safe.threshold} of {len(result.safe.owners)} owners), execute with `indexops safe exec`, "
        f"then run `indexops execute {plan_file}` for the rest."
    )


def _signers(
    plan, target, account, keystore, trader, safe_roles: frozenset = frozenset(), keeper=None, connection=None
) -> dict:
    """Signers for the roles the plan signs with; the roles the Safe holds need none (the Safe sends those steps)."""
    from indexops.signing import resolve_signer

    roles = {step.signer_role for step in plan.steps} - safe_roles
    sandbox = target.where.network.sandbox

    def resolve(choice, path, option="--account"):
        return resolve_signer(choice, path, environ=os.environ, sandbox=sandbox, password=_ask_password, option=option)

    signers = {}
    if roles & {"operator", "owner"}:
        signers["operator"] = signers["owner"] = resolve(account, keystore)
    if "trader" in roles:
        signers["trader"] = (
            resolve(trader, None, "--trader") if trader else signers.get("operator") or resolve(account, keystore)
        )
    if "keeper" in roles:
        if keeper is None and sandbox and connection is not None:
            keeper = _sandbox_keeper(plan, connection)
        signers["keeper"] = (
            resolve(keeper, None, "--keeper") if keeper else signers.get("operator") or resolve(account, keystore)
        )
    return signers


def _sandbox_keeper(plan, connection) -> str | None:
    """The sandbox's documented keeper (anvil account 9) when the plan's strategy allows it; else None."""
    from indexops.chain.abis import contract
    from indexops.sandbox.scenario import KEEPER

    accounts = connection.w3.eth.accounts
    strategy = plan.state.get("strategy")
    if not strategy or len(accounts) <= KEEPER:
        return None
    functions = contract(connection.w3, "FlexibleLeverageStrategyExtension", strategy).functions
    if functions.callAllowList(accounts[KEEPER]).call() or functions.anyoneCallable().call():
        return str(KEEPER)
    return None


def _ask_password(prompt: str) -> str:
    if not sys.stdin.isatty():
        raise UsageError(f"{prompt}: not a terminal; set INDEXOPS_KEYSTORE_PASSWORD")
    import questionary

    return questionary.password(prompt).ask()


def _confirm(plan, path: str, yes: bool, json_output: bool, resuming: bool) -> None:
    if not json_output:
        from indexops.render.plan import review_tables

        for table in review_tables(plan, path):
            stdout().print(table)
    verb = "Resume" if resuming else "Execute"
    confirm_or_stop(f"{verb} {len(plan.steps)} steps of this plan?", yes, "review the plan with `indexops show`")


@contextmanager
def _progress(plan, book, json_output: bool):
    """A progress bar over the plan's steps on a terminal; nothing for --json or a pipe."""
    if json_output or not sys.stdout.isatty():
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    done = sum(1 for step in book.steps(plan.content_hash) if str(step.state) in ("mined", "external"))
    with Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=stdout()
    ) as progress:
        task = progress.add_task(f"{plan.product} on {plan.network}", total=len(plan.steps), completed=done)
        yield lambda: progress.advance(task)


def _reporter(json_output: bool, advance=None):
    def report(kind: str, **fields) -> None:
        if json_output:
            sys.stdout.write(json.dumps({"event": kind, **fields}, default=str) + "\n")
            sys.stdout.flush()
            return
        stdout().print(_line(kind, fields))
        if advance is not None and kind in ("mined", "external"):
            advance()

    return report


def _line(kind: str, f: dict) -> str:
    from indexops.render.numbers import duration, gwei

    if kind == "sent":
        return f"→ step {f['step']}: {f['description']}  [dim]{f['tx_hash']} nonce {f['nonce']}[/]"
    if kind == "mined":
        return f"[green]✓[/] step {f['step']} mined in block {f['block']} (gas {f['gas_used']:,})"
    if kind == "warped":
        return f"[cyan]⏩[/] step {f['step']}: moved the sandbox clock {duration(f['seconds'])} past the cool-off"
    if kind == "cool_off":
        return f"[yellow]…[/] step {f['step']}: waiting {duration(f['seconds'])} for the cool-off"
    if kind == "gas_wait":
        return (
            f"[yellow]…[/] base fee {gwei(f['base_fee_gwei'])} gwei above the cap of {gwei(f['cap_gwei'])} gwei; "
            f"waiting ({duration(f['remaining'])} left)"
        )
    if kind == "external":
        where = f"[dim]{f['tx_hash']}[/]" if f["tx_hash"] else "[dim]no transaction hash given[/]"
        return f"[green]✓[/] step {f['step']}: {f['description']}  executed by the Safe {f['safe']}  {where}"
    if kind == "reconciled":
        return f"[cyan]↺[/] step {f['step']}: {f['how']} {f['tx_hash']}"
    if kind == "batch_failures":
        return f"[red]✗[/] step {f['step']}: trades failed inside the batch: {f['failures']}"
    if kind == "done":
        return f"[bold green]Plan complete[/]: {f['steps']} steps"
    return f"{kind}: {f}"


def _sandbox_node(connection):
    """The sandbox's own anvil, where its market trades: other traders use their own nodes, not the RPC the
    operator gave (which may be a flaky gateway in front of the sandbox, and the market's sends are not retried)."""
    from indexops.chain.connection import connect
    from indexops.sandbox import service

    running = service.status().running
    return connect(running.rpc_url).w3 if running is not None else connection.w3


def _sandbox_market(w3, plan):
    """With --warp the clock jumps; the sandbox arbitrageur does what the market would do in that time."""
    from indexops.sandbox import service
    from indexops.sandbox.market import plan_price_restorer

    deployment = service.status().deployment
    return plan_price_restorer(w3, deployment, plan) if deployment is not None else None


def _rehearse(connection, target, plan, account, trader, json_output: bool, keeper: str | None = None) -> None:
    from indexops.chain.accounts import parse_account
    from indexops.chain.connection import connect
    from indexops.execution.rehearsal import Fork, rehearse
    from indexops.workflows.execute import chain_now, route_of

    sandbox = target.where.network.sandbox
    keeper_address = parse_account(keeper, sandbox, connection, option="--keeper") if keeper else None
    route = route_of(plan, target)
    now, _changes = chain_now(connection, target, route, {} if keeper_address is None else {"keeper": keeper_address})
    holders = {role: addresses[0] for role, addresses in now.holders.items() if addresses}
    senders = {role: holders.get(role) for role in ("operator", "owner", "trader", "keeper")}
    if account:
        senders["operator"] = senders["owner"] = parse_account(account, sandbox, connection)
    if trader:
        senders["trader"] = parse_account(trader, sandbox, connection, option="--trader")
    with Fork(_anvil_for_rehearsal(), connection.rpc_url) as fork:
        w3 = connect(fork.url, plan.chain_id).w3
        result = rehearse(
            w3,
            plan,
            senders,
            target.where.network.tokens[target.where.network.weth].address,
            between_rounds=_sandbox_market(w3, plan) if sandbox else None,
            report=_reporter(json_output) if json_output else (lambda kind, **fields: None),
        )
    if not json_output:
        from indexops.render.rehearsal import rehearsal_table

        stdout().print(rehearsal_table(plan, result))
    if result.failed:
        first = result.failed[0]
        raise UsageError(
            f"rehearsal: {len(result.failed)} of {len(result.steps)} steps would fail; "
            f"first: step {first.index} ({first.reason})"
        )


def _anvil_for_rehearsal():
    import shutil

    from indexops.sandbox.toolchain import is_installed, load_toolchain

    if is_installed():
        return load_toolchain().anvil
    on_path = shutil.which("anvil")
    if on_path is None:
        raise UsageError("--rehearse needs anvil: install Foundry, or run `indexops sandbox install`")
    return on_path


def _show_status(book, plan, target, json_output: bool) -> None:
    steps = {s.index: s for s in book.steps(plan.content_hash)}
    explorer = target.where.network.explorer_url
    rows = []
    for step in plan.steps:
        journaled = steps.get(step.index)
        external = journaled.external if journaled else None
        attempt = journaled.current if journaled and external is None else None
        tx_hash = external.tx_hash if external else attempt.tx_hash if attempt else None
        rows.append(
            {
                "step": step.index,
                "description": step.description,
                "state": str(journaled.state) if journaled else "planned",
                "tx_hash": tx_hash,
                "block": attempt.block_number if attempt else None,
                "link": f"{explorer.rstrip('/')}/tx/{tx_hash}" if tx_hash and explorer else None,
            }
        )
    if json_output:
        emit_json({"plan": plan.content_hash, "steps": rows})
        return
    from rich.table import Table

    table = Table(
        title=f"Execution of {plan.product} on {plan.network} ({plan.content_hash[:10]}…)", title_justify="left"
    )
    for name in ("#", "state", "what", "transaction"):
        table.add_column(name)
    for row in rows:
        table.add_row(str(row["step"]), row["state"], row["description"], row["link"] or row["tx_hash"] or "—")
    stdout().print(table)
