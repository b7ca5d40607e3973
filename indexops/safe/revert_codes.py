"""What the Safe's short revert codes mean (GS0xx in Safe 1.3.0 and later)."""

from __future__ import annotations

import re

GS_CODES = {
    "GS010": "not enough gas to execute the Safe transaction",
    "GS011": "could not pay the gas costs with ether",
    "GS012": "could not pay the gas costs with the gas token",
    "GS013": "the Safe transaction failed: an inner call reverted",
    "GS020": "the signatures are too short for the threshold",
    "GS021": "invalid contract signature location: inside the static part",
    "GS022": "invalid contract signature location: length not present",
    "GS023": "invalid contract signature location: data not complete",
    "GS024": "invalid contract signature",
    "GS025": "the hash was not approved by that owner",
    "GS026": "invalid owner: a signature is by a non-owner, for another hash, or out of owner order",
}

_CODE = re.compile(r"GS\d{3}")


def explain_revert(reason: str) -> str:
    """ "GS026" -> "GS026: invalid owner: ..."; other reasons unchanged."""
    match = _CODE.search(reason)
    if match is None or match.group(0) not in GS_CODES:
        return reason
    return f"{match.group(0)}: {GS_CODES[match.group(0)]}"
