"""The digest of the chain state a plan was made from: only the values the planner read.

Like Terraform's saved plan, a plan is stale when the state it was made from changed, not when
time passed: the digest covers units, supply, the position multiplier, pool reserves, manager
settings and whatever else the caller hands in, and never the block number, hash or time, so a
re-plan at a later block over unchanged state gives the same digest.

The caller passes a plain mapping (keys are text; values are ints, text, true/false, null,
finite floats, lists and mappings). Ints are hashed as exact JSON numbers of any size, so an
int and its digits as text, or 1 and 1.0, are different values. Keys are compared exactly:
use one spelling for addresses (checksummed).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from indexops.plans.canonical import dumps_canonical, to_json_tree
from indexops.plans.errors import InvalidStateValues

# Where the state was read, not what it was: a digest over these would go stale every block.
BLOCK_IDENTITY_KEYS = frozenset(
    {"block", "block_number", "blockNumber", "block_hash", "blockHash", "timestamp", "block_timestamp"}
)

_DOMAIN = b"indexops.state.v1\n"


def state_digest(values: Mapping[str, Any]) -> str:
    """`0x` + sha256 hex over the canonical JSON of `values` (see the module notes)."""
    if not isinstance(values, Mapping):
        raise InvalidStateValues(f"expected a mapping of the values the planner read, got {type(values).__name__}")
    if not values:
        raise InvalidStateValues("no values given; pass every value the planner read")
    if named := sorted(str(key) for key in values if key in BLOCK_IDENTITY_KEYS):
        raise InvalidStateValues(
            f"{', '.join(named)} says where the state was read, not what it was; leave it out so that "
            "a later block with the same state gives the same digest"
        )
    try:
        tree = to_json_tree(values)
    except ValueError as error:
        raise InvalidStateValues(str(error)) from None
    return "0x" + hashlib.sha256(_DOMAIN + dumps_canonical(tree)).hexdigest()
