"""`indexops claim-comp`'s table and lines: what a claim collects and nets, what it did, what is left to choose."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table

from indexops.render.numbers import amount, gwei, usd
from indexops.workflows.claim_comp import ClaimPreview
from indexops.workflows.claim_send import AbsorbResult, ClaimResult

COMP_UNIT = 10**18


def _comp(wei: int) -> str:
    return f"{amount(wei / COMP_UNIT, 6)} COMP"


def _weth(value: float | None) -> str:
    return "—" if value is None else f"{amount(value, 6)} WETH"


def preview_table(previews: Sequence[ClaimPreview], dry_run: bool) -> Table:
    title = "COMP claims: the claim simulated in the next block" + (" (dry run: nothing is sent)" if dry_run else "")
    table = Table(title=title, title_justify="left")
    for name in ("product", "claimable", "value", "gas", "net", "minimum", "verdict"):
        table.add_column(name, overflow="fold")
    for p in previews:
        verdict = "[green]claim[/]" if p.meets_minimum else "[yellow]below the minimum[/]"
        table.add_row(
            f"{p.product_key}\n{p.network} #{p.claim_block}",
            f"{_comp(p.comp_claimable_wei)}\nheld now {_comp(p.comp_held_wei)}",
            f"{usd(p.value_usd)}\n{_weth(p.value_weth)}",
            f"{p.gas:,} at {gwei((p.base_fee_wei + p.priority_fee_wei) / 1e9)} gwei\n{usd(p.gas_cost_usd)}",
            f"{usd(p.net_usd)}\n{_weth(p.net_weth)}",
            usd(p.min_net_usd),
            verdict,
        )
    return table


def price_notes(previews: Sequence[ClaimPreview]) -> list[str]:
    """Where a COMP price came from when it was not the claimed token's own pools."""
    notes = []
    for p in previews:
        if p.price_token is None:
            notes.append(f"{p.product_key}: no COMP pool with reserves on the network's venues: COMP is not valued")
        elif p.price_token.lower() != p.comp.lower():
            notes.append(
                f"{p.product_key}: COMP priced at the pools of the network's COMP token {p.price_token} "
                f"({amount(p.comp_price_weth, 6)} WETH); the claimed COMP {p.comp} has no pool of its own here"
            )
    return notes


def claim_lines(preview: ClaimPreview, result: ClaimResult) -> list[str]:
    key = preview.product_key
    claimed = _comp(result.claimed_wei)
    lines = [f"[green]✓[/] {key}: claimed {claimed} in block {result.block_number}  [dim]{result.tx_hash}[/]"]
    held = f"the SetToken now holds {_comp(result.held_wei)}"
    if result.resumed:
        lines.append("  the claim an earlier run journaled and left in flight: followed to its receipt, not sent again")
        lines.append(f"  {held}; run claim-comp again for what accrued since")
    elif result.held_wei == result.previewed_wei:
        lines.append(f"  {held}, as previewed to the wei")
    else:
        extra = result.held_wei - result.previewed_wei
        lines.append(
            f"  {held}: {_comp(extra)} more than previewed, mined in block {result.block_number}, "
            f"not the previewed {preview.claim_block} (COMP accrues per block)"
        )
    return lines


def choices(preview: ClaimPreview) -> list[str]:
    key = preview.product_key
    if preview.comp_is_position:
        return [f"  COMP is already a position of {key}: absorb it again to raise its unit (`--absorb`)"]
    return [
        "  That COMP is a balance of the SetToken, not a position: issuance and redemption ignore it. Either",
        f"  - absorb it as a position: `indexops claim-comp {key} --absorb` (AirdropModule.absorb, the operator's; "
        "issuance then requires COMP), or",
        "  - leave it for the manager.",
    ]


def absorb_lines(preview: ClaimPreview, result: AbsorbResult) -> list[str]:
    key = preview.product_key
    if result.safe is not None:
        lines = [f"Nothing was sent for the absorb: the operator is the Safe {result.safe}."]
        lines += [f"  batch file  {path}" for path in result.batches]
        lines.append(f"  SafeTxs     {result.sidecar}")
        lines.append(
            f"Sign with `indexops safe sign {result.sidecar}` ({result.threshold} of {result.owners} owners), "
            "then execute it with `indexops safe exec`."
        )
        return lines
    unit = _comp(result.unit or 0)
    return [
        f"[green]✓[/] {key}: absorbed COMP as a position in block {result.block_number}  [dim]{result.tx_hash}[/]",
        f"  {unit} per set: issuing {key} now requires COMP",
    ]
