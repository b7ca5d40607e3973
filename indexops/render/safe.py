"""Safe exports, reviews, simulations, signatures, executions and proposals: rich tables and JSON shapes."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from rich.markup import escape
from rich.table import Table

from indexops.safe.decoding import DecodedCall, human_amount
from indexops.safe.safetx import DELEGATECALL

OPERATIONS = {0: "call", 1: "delegatecall"}


# ---- export ---------------------------------------------------------------------------------------


def export_table(result) -> Table:
    file = result.file
    table = Table(title=f"Safe export for {file.safe}", show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    table.add_row("Safe", f"{file.safe}  version {file.safe_version}, {file.threshold} of {len(file.owners)} owners")
    nonce_source = "the Safe's next nonce" if result.nonce_from_chain else "from --nonce"
    for entry in file.transactions:
        what = (
            "delegatecall to MultiSendCallOnly"
            if entry.safe_tx.operation == DELEGATECALL
            else f"call to {entry.safe_tx.to}"
        )
        table.add_row(f"nonce {entry.safe_tx.nonce}", f"safeTxHash 0x{entry.safe_tx_hash.hex()}  ({what})")
    table.add_row("nonce", nonce_source)
    for path in result.batch_paths:
        table.add_row("wrote", f"{escape(str(path))}  (batch file, imports into the Transaction Builder)")
    table.add_row("wrote", f"{escape(str(result.sidecar_path))}  (sidecar: the SafeTxs, where signatures go)")
    table.add_row("next", "review with `indexops safe decode`, then `indexops safe sign` by each owner")
    return table


def export_json(result) -> dict[str, Any]:
    return {
        "sidecar": str(result.sidecar_path),
        "batch_files": [str(path) for path in result.batch_paths],
        "written": [str(path) for path in (*result.batch_paths, result.sidecar_path)],
        "safe": result.file.safe,
        "safe_version": result.file.safe_version,
        "nonce_from_chain": result.nonce_from_chain,
        "transactions": [
            {
                "nonce": entry.safe_tx.nonce,
                "safe_tx_hash": "0x" + entry.safe_tx_hash.hex(),
                "batch_file": entry.batch_file,
                "operation": entry.safe_tx.operation,
                "to": entry.safe_tx.to,
            }
            for entry in result.file.transactions
        ],
    }


# ---- decode ---------------------------------------------------------------------------------------


def review_tables(review) -> list[Table]:
    tables = [_overview(review)]
    for tx in review.transactions:
        tables += [_safe_tx_table(review, tx), _calls_table(tx)]
    return tables + [_checks_table(review), _flags_table(review)]


def _overview(review) -> Table:
    table = Table(title="Safe transaction file", show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    table.add_row("file", escape(review.path))
    if review.sidecar and review.sidecar != review.path:
        table.add_row("sidecar", escape(review.sidecar))
    table.add_row("network", f"{review.network} (chain {review.chain_id})")
    table.add_row("Safe", review.safe or "not named")
    if review.safe_version:
        table.add_row("version", f"{review.safe_version}, EIP-712 domain hash {review.domain_hash}")
        table.add_row("owners", f"{review.threshold} of {', '.join(review.owners)}")
    if review.product:
        table.add_row("product", review.product + (f"  plan {review.plan}" if review.plan else ""))
    return table


def _safe_tx_table(review, tx) -> Table:
    title = f"SafeTx nonce {tx.nonce}" if tx.nonce is not None else f"Batch {tx.batch_file}"
    table = Table(title=title, show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    if tx.safe_tx_hash:
        table.add_row("safeTxHash", tx.safe_tx_hash)
        table.add_row("message hash", tx.message_hash)
        table.add_row(
            "operation", f"{OPERATIONS.get(tx.operation, tx.operation)} to {tx.to} ({tx.target or 'unknown'})"
        )
        if tx.multisend_layout:
            table.add_row("batch", f"{len(tx.calls)} calls, MultiSend payload {tx.multisend_layout}")
        table.add_row("value", f"{human_amount(tx.value, 18)} ETH")
        table.add_row(
            "signatures",
            f"{len(tx.signers)} of {review.threshold} needed"
            + "".join(f"\n{signature.owner}  {escape(signature.what)}" for signature in tx.signatures),
        )
        if tx.executed_in:
            table.add_row("executed in", tx.executed_in)
    table.add_row("batch file", escape(tx.batch_file))
    if tx.description:
        table.add_row("what", escape(tx.description))
    return table


def _calls_table(tx) -> Table:
    table = Table(title="Calls", title_justify="left", show_lines=True)
    for name in ("#", "target", "function", "arguments"):
        table.add_column(name)
    for index, call in enumerate(tx.calls):
        table.add_row(
            str(index),
            _target(call),
            escape(call.function or f"unknown {call.selector or '(no data)'}"),
            _arguments(call),
        )
    return table


def _target(call: DecodedCall) -> str:
    name = escape(call.target) if call.target else "[red]unknown[/]"
    value = f"\n[yellow]+ {human_amount(call.value, 18)} ETH[/]" if call.value else ""
    operation = "\n[red]delegatecall[/]" if call.operation == DELEGATECALL else ""
    return f"{name}\n[dim]{call.to}[/]{value}{operation}"


def _arguments(call: DecodedCall) -> str:
    lines = [f"{escape(arg.name)} = {escape(arg.display)}" for arg in call.args]
    if call.problem:
        lines.append(f"[red]{escape(call.problem)}[/]")
    if call.inner is not None:
        lines.append(
            f"[bold]forwards[/] {escape(call.inner.target or call.inner.to)}.{escape(call.inner.function or '?')}"
        )
        lines += [f"  {escape(arg.name)} = {escape(arg.display)}" for arg in call.inner.args]
    return "\n".join(lines)


def _checks_table(review) -> Table:
    table = Table(title="Verified", title_justify="left", show_header=False)
    table.add_column()
    for check in review.checks:
        table.add_row(f"[green]✓[/] {escape(check)}")
    return table


def _flags_table(review) -> Table:
    table = Table(title="For signers to notice", title_justify="left")
    for name in ("where", "what"):
        table.add_column(name)
    if not review.flags:
        table.add_row("—", "nothing: no unknown target, delegatecall, ETH value, approval or role change")
    for flag in review.flags:
        table.add_row(flag.where, f"[yellow]{escape(flag.message)}[/]")
    return table


def review_json(review) -> dict[str, Any]:
    shaped = asdict(review)
    shaped["valid"] = True
    return shaped


# ---- simulate -------------------------------------------------------------------------------------


def simulation_table(simulation) -> Table:
    table = Table(title=f"Simulated on a fork at block {simulation.fork_block}: state changes", title_justify="left")
    for name in ("what", "field", "before", "after"):
        table.add_column(name)
    for tx in simulation.transactions:
        outcome = f"[green]executed[/], gas {tx.gas_used:,}" if tx.ok else f"[red]failed: {escape(tx.reason)}[/]"
        table.add_row(f"SafeTx nonce {tx.nonce}", "", "", outcome)
    if simulation.nonce_set_from is not None:
        table.add_row("Safe", "nonce on the fork", str(simulation.nonce_set_from), "set to the file's first nonce")
    for change in simulation.changes:
        table.add_row(
            escape(change.subject), change.field, escape(change.before_text), f"[cyan]{escape(change.after_text)}[/]"
        )
    if not simulation.changes:
        table.add_row("—", "", "", "no watched state changed")
    return table


def simulation_json(simulation) -> dict[str, Any]:
    return {**asdict(simulation), "ok": simulation.ok}


# ---- sign, exec, propose --------------------------------------------------------------------------


def sign_table(result) -> Table:
    table = Table(title=f"Signatures added to {escape(str(result.sidecar_path))}", title_justify="left")
    for name in ("nonce", "safeTxHash", "owner", "kind", "signed"):
        table.add_column(name)
    by_nonce = {entry.safe_tx.nonce: entry for entry in result.file.transactions}
    for added in result.added:
        entry = by_nonce[added.nonce]
        table.add_row(
            str(added.nonce),
            added.safe_tx_hash,
            added.owner,
            added.kind,
            f"{len(entry.signatures)} of {result.file.threshold}",
        )
    return table


def sign_json(result) -> dict[str, Any]:
    return {
        "sidecar": str(result.sidecar_path),
        "added": [asdict(added) for added in result.added],
        "signatures": {str(e.safe_tx.nonce): list(e.signers) for e in result.file.transactions},
        "threshold": result.file.threshold,
    }


def executed_line(executed) -> str:
    return (
        f"[green]✓[/] SafeTx nonce {executed.nonce} executed in {executed.tx_hash} "
        f"(block {executed.block}, gas {executed.gas_used:,})"
    )


def exec_json(executed) -> dict[str, Any]:
    return {"executed": [asdict(item) for item in executed]}


def propose_table(proposed, service_url: str, chain_name: str) -> Table:
    table = Table(title=f"Proposed to {escape(service_url)}, for {escape(chain_name)}", title_justify="left")
    for name in ("nonce", "safeTxHash", "sender", "confirmations"):
        table.add_column(name)
    for item in proposed:
        table.add_row(str(item.nonce), item.safe_tx_hash, item.sender, ", ".join(item.confirmations) or "—")
    return table


def propose_json(proposed, service_url: str, chain_id: int, network: str) -> dict[str, Any]:
    return {
        "service": service_url,
        "chain_id": chain_id,
        "network": network,
        "proposed": [asdict(item) for item in proposed],
    }
