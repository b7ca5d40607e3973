"""The tables of `indexops fees status`."""

from __future__ import annotations

from rich.table import Table

from indexops.render.numbers import timestamp
from indexops.report.fee_split import PRECISE_UNIT
from indexops.workflows.fees import SPLIT_NAMES, FeeStatus


def _percent(value: int) -> str:
    return f"{value / PRECISE_UNIT:.4%}"


def _sets(status: FeeStatus, value: int) -> str:
    usd = status.usd(value)
    text = f"{value / PRECISE_UNIT:,.6f} sets"
    return text if usd is None else f"{text}  ({usd:,.2f} USD)"


def render_fee_status(status: FeeStatus) -> list:
    r, p = status.reading, status.preview
    fee = Table(title=f"{status.product_key}: streaming fee at block {r.block_number}", title_justify="left")
    fee.add_column("", style="bold")
    fee.add_column("")
    fee.add_row("rate", f"{_percent(r.percentage)} a year (max {_percent(r.max_percentage)})")
    fee.add_row("recipient", r.recipient)
    fee.add_row("last accrual", timestamp(r.last_accrual))
    fee.add_row("accrued since", f"{_percent(p.fraction)} of the supply: {_sets(status, p.minted)} if accrued now")
    if p.to_protocol:
        fee.add_row("to the protocol", _sets(status, p.to_protocol))
    if r.issuance is not None:
        fee.add_row("issue / redeem fee", f"{_percent(r.issuance.issue_fee)} / {_percent(r.issuance.redeem_fee)}")
    split = Table(title=f"Split: {SPLIT_NAMES[r.split_kind]} {r.splitter}", title_justify="left")
    for name in ("party", "address", "share", "would receive now"):
        split.add_column(name)
    share = r.operator_share
    split.add_row(status.operator_role, r.operator, _percent(share), _sets(status, p.to_operator))
    split.add_row("methodologist", r.methodologist, _percent(PRECISE_UNIT - share), _sets(status, p.to_methodologist))
    split.caption = f"held by {r.holder} now: {_sets(status, r.held)}; paid out by accrueFeesAndDistribute"
    return [fee, split]
