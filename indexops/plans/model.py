"""The plan as frozen, versioned data (schema 1): what executors and exporters read.

A `Plan` built from Python must already carry its `content_hash` (use `files.seal`), so a plan
in memory always matches its hash; `model_copy(update=...)` skips validation and breaks that,
which `write_plan` catches. The dicts inside (`args`, `limits`, `expected`) are plain dicts:
treat them as read-only.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationInfo, model_validator

from indexops.plans.canonical import content_hash
from indexops.plans.fields import (
    BUILT,
    FILE,
    Address,
    Amounts,
    Args,
    Decimals,
    Float,
    Hash32,
    HexData,
    Line,
    PositiveInt,
    SchemaVersion,
    Signature,
    SignedInt,
    UInt,
    UtcTime,
    context,
    mode_of,
    selector,
)
from indexops.plans.state import state_digest

Route = Literal["base-manager", "delegated", "direct", "fli"]
Phase = Literal["setup", "trade", "finish"]
SignerRole = Literal["operator", "trader", "owner", "keeper"]
Side = Literal["sell", "buy"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SnapshotRef(_Frozen):
    """The block the planner read; where the state came from, not part of the state digest."""

    block_number: UInt
    block_hash: Hash32
    timestamp: UInt


class TargetRow(_Frozen):
    symbol: Line
    address: Address
    decimals: Decimals
    current_unit: SignedInt
    target_unit: SignedInt
    current_weight: Float
    target_weight: Float


class Step(_Frozen):
    """One transaction: the exact call, its decoded arguments, and what it must and should do."""

    index: UInt
    phase: Phase
    signer_role: SignerRole
    to: Address
    value: UInt = 0
    data: HexData
    function: Signature
    args: Args
    description: Line
    component: Line | None = None
    side: Side | None = None
    chunk: PositiveInt | None = None
    chunks: PositiveInt | None = None
    limits: Amounts
    expected: Amounts
    venue: Line | None = None
    cool_off_after: UInt = 0
    gas_estimate: UInt

    @model_validator(mode="after")
    def _consistent(self) -> Step:
        if (self.chunk is None) != (self.chunks is None):
            raise ValueError("chunk and chunks go together: give both or neither")
        if self.chunk is not None and self.chunks is not None and self.chunk > self.chunks:
            raise ValueError(f"chunk {self.chunk} is past the last chunk ({self.chunks})")
        wanted = selector(self.function)
        if self.data[:10] != wanted:
            found = self.data[:10] if len(self.data) >= 10 else f"only {(len(self.data) - 2) // 2} bytes"
            raise ValueError(f"data does not start with the selector of {self.function} ({wanted}); found {found}")
        return self


class Totals(_Frozen):
    trades: UInt
    transactions: UInt
    gas: UInt
    gas_price_wei: UInt
    eth_usd: Float
    notional_usd: Float
    impact_usd: Float
    fees_usd: Float
    gas_usd: Float
    total_cost_usd: Float
    cost_bps_of_nav: Float
    duration_seconds: UInt


class SkippedTrade(_Frozen):
    """A trade the planner chose not to make (too small, too costly...), and why."""

    symbol: Line
    side: Side
    quantity: UInt
    notional_usd: Float
    reason: Line


class Plan(_Frozen):
    schema_version: SchemaVersion
    product: Line
    network: Line
    chain_id: PositiveInt
    snapshot: SnapshotRef
    created_at: UtcTime
    route: Route
    set_token: Address
    targets: tuple[TargetRow, ...]
    state_digest: Hash32
    state: Args = {}  # the chain values the digest covers, so an executor can say what moved
    steps: tuple[Step, ...]
    totals: Totals
    baseline: Totals | None
    skipped: tuple[SkippedTrade, ...]
    content_hash: Hash32

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> Plan:
        for position, step in enumerate(self.steps):
            if step.index != position:
                raise ValueError(f"steps[{position}] has index {step.index}; step indexes count up from 0 with no gaps")
        if self.state and state_digest(self.state) != self.state_digest:
            raise ValueError("state_digest is not the digest of state")
        if mode_of(info) == BUILT and (computed := content_hash(self)) != self.content_hash:
            raise ValueError(
                f"content_hash {self.content_hash} is not the hash of the plan ({computed}); build plans with seal()"
            )
        return self

    def __hash__(self) -> int:
        return hash(self.content_hash)


def plan_from_document(document: Any) -> Plan:
    """A plan from a JSON tree read from a file (ints by the file's int rule); pydantic errors pass through."""
    return Plan.model_validate(document, context=context(FILE))
