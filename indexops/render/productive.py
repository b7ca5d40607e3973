"""Lines shared by `indexops rewards` and `indexops wrap`: token amounts, and what became of a plan."""

from __future__ import annotations

from indexops.render.numbers import amount
from indexops.workflows.productive_send import Sent


def tokens(base_units: int, decimals: int, symbol: str) -> str:
    return f"{amount(base_units / 10**decimals, 6)} {symbol}"


def sent_lines(sent: Sent) -> list[str]:
    """Where the calls went: mined transactions, or the Safe's batch files and how to sign and execute them."""
    if sent.safe is None:
        hashes = ", ".join(sent.tx_hashes)
        return [f"[green]✓[/] mined in block {sent.block_number}  [dim]{hashes}[/]  plan {sent.plan_file}"]
    lines = [f"Nothing was sent: the operator is the Safe {sent.safe}. Its calls went to:"]
    lines += [f"  batch file  {path}" for path in sent.batches]
    lines.append(f"  SafeTxs     {sent.sidecar}")
    lines.append(
        f"Sign with `indexops safe sign {sent.sidecar}` ({sent.threshold} of {sent.owners} owners), "
        "execute with `indexops safe exec`."
    )
    return lines
