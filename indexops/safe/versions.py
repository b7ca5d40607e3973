"""Safe contract versions, as returned by `VERSION()`: "0.1.0", "1.1.1", "1.3.0", "1.3.0+L2", "1.4.1"."""

from __future__ import annotations

import re

from indexops.safe.errors import UnsupportedSafeVersion

SafeVersion = tuple[int, int, int]

_VERSION = re.compile(r"v?(\d+)\.(\d+)\.(\d+)(?:\+[0-9A-Za-z.-]+)?")

# 1.3.0 added chainId to the EIP-712 domain; 1.0.0 renamed SafeTx.dataGas to baseGas.
CHAIN_ID_IN_DOMAIN_SINCE: SafeVersion = (1, 3, 0)
BASE_GAS_SINCE: SafeVersion = (1, 0, 0)


def parse_safe_version(text: object) -> SafeVersion:
    if not isinstance(text, str):
        raise UnsupportedSafeVersion(text)
    match = _VERSION.fullmatch(text.strip())
    if match is None:
        raise UnsupportedSafeVersion(text)
    major, minor, patch = (int(part) for part in match.groups())
    return major, minor, patch


def canonical_safe_version(text: object) -> str:
    """ "v1.3.0+L2" -> "1.3.0": the build suffix does not change any hash."""
    return ".".join(str(part) for part in parse_safe_version(text))


def domain_has_chain_id(version: str) -> bool:
    return parse_safe_version(version) >= CHAIN_ID_IN_DOMAIN_SINCE


def gas_field_name(version: str) -> str:
    """Name of the third gas field in the SafeTx type: "baseGas", or "dataGas" before 1.0.0."""
    return "baseGas" if parse_safe_version(version) >= BASE_GAS_SINCE else "dataGas"
