"""Plan files: a rebalance plan saved as hashed JSON, reviewed, then executed exactly as saved.

No web3, no clock, no environment: the caller passes times, paths and state values in; only
`write_plan` and `load_plan` touch the file system.
"""

from indexops.plans.canonical import MAX_SAFE_INT, canonical_json, content_hash
from indexops.plans.errors import (
    SCHEMA_VERSION,
    InvalidPlan,
    InvalidStateValues,
    PlanFileError,
    PlanFileMalformed,
    PlanFileMissing,
    PlanFileNotJson,
    PlanFileUnreadable,
    PlanHashMismatch,
    PlanNameUnsafe,
    PlanNotCanonical,
    PlanSchemaTooNew,
    PlanSchemaUnknown,
    PlanWriteFailed,
    UnsealedPlan,
)
from indexops.plans.files import default_plan_path, load_plan, render_plan, seal, write_plan
from indexops.plans.model import Plan, SkippedTrade, SnapshotRef, Step, TargetRow, Totals
from indexops.plans.state import state_digest

__all__ = [
    "MAX_SAFE_INT",
    "SCHEMA_VERSION",
    "InvalidPlan",
    "InvalidStateValues",
    "Plan",
    "PlanFileError",
    "PlanFileMalformed",
    "PlanFileMissing",
    "PlanFileNotJson",
    "PlanFileUnreadable",
    "PlanHashMismatch",
    "PlanNameUnsafe",
    "PlanNotCanonical",
    "PlanSchemaTooNew",
    "PlanSchemaUnknown",
    "PlanWriteFailed",
    "SkippedTrade",
    "SnapshotRef",
    "Step",
    "TargetRow",
    "Totals",
    "UnsealedPlan",
    "canonical_json",
    "content_hash",
    "default_plan_path",
    "load_plan",
    "render_plan",
    "seal",
    "state_digest",
    "write_plan",
]
