"""What one side says a Safe is (address, nonce, threshold, owners, singleton), and where two sides differ.

`safe propose` compares a Transaction Service's description of the Safe (`GET /api/v1/safes/{address}/`)
with the chain's before it posts anything: a service for another chain either does not know the Safe or
describes another Safe at the same address.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from indexops.errors import UsageError
from indexops.safe.errors import ServiceAnswerMalformed
from indexops.values import checksummed, decimal_string, unsigned


@dataclass(frozen=True)
class SafeView:
    address: str
    nonce: int
    threshold: int
    owners: tuple[str, ...]
    master_copy: str  # the singleton the proxy delegates to ("masterCopy" to the service)


def view_from_service(answer: Any, url: str) -> SafeView:
    """The service's JSON description of a Safe; numbers may come as JSON numbers or decimal strings."""
    if not isinstance(answer, Mapping):
        raise ServiceAnswerMalformed(url, "expected a JSON object")
    try:
        owners = answer.get("owners")
        if not isinstance(owners, list):
            raise ServiceAnswerMalformed(url, "owners is not a list")
        return SafeView(
            address=checksummed(answer.get("address"), "address"),
            nonce=_number(answer.get("nonce"), "nonce"),
            threshold=_number(answer.get("threshold"), "threshold"),
            owners=tuple(checksummed(owner, "owner") for owner in owners),
            master_copy=checksummed(answer.get("masterCopy"), "masterCopy"),
        )
    except UsageError as error:
        raise ServiceAnswerMalformed(url, str(error)) from None


def _number(value: Any, what: str) -> int:
    return decimal_string(value, what) if isinstance(value, str) else unsigned(value, what)


def differences(service: SafeView, chain: SafeView) -> list[str]:
    """What the service says that the chain does not, one short phrase each."""
    found = []
    if service.address != chain.address:
        found.append(f"the service describes {service.address}")
    if set(service.owners) != set(chain.owners):
        only_service = sorted(set(service.owners) - set(chain.owners))
        only_chain = sorted(set(chain.owners) - set(service.owners))
        parts = ([f"only the service lists {', '.join(only_service)}"] if only_service else []) + (
            [f"only the chain has {', '.join(only_chain)}"] if only_chain else []
        )
        found.append(f"owners differ ({' and '.join(parts)})")
    for name, there, here in (
        ("threshold", service.threshold, chain.threshold),
        ("nonce", service.nonce, chain.nonce),
        ("masterCopy", service.master_copy, chain.master_copy),
    ):
        if there != here:
            found.append(f"{name} {there} there, {here} on chain")
    return found
