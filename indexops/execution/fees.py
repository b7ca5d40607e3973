"""Gas fees for one transaction under the operator's cap: EIP-1559 when the chain has a base fee."""

from __future__ import annotations

from dataclasses import dataclass

from indexops.errors import IndexopsError
from indexops.units import duration, gwei

GWEI = 10**9
DEFAULT_PRIORITY_FEE = 1 * GWEI


class GasPriceAboveCap(IndexopsError):
    def __init__(self, base_fee: int, cap: int, waited: float):
        waited_text = f" after waiting {duration(waited)}" if waited else ""
        super().__init__(
            f"the base fee is {gwei(base_fee / GWEI)} gwei, above the cap of {gwei(cap / GWEI)} gwei{waited_text}: "
            "nothing was sent; raise --max-gas-price or retry later"
        )


@dataclass(frozen=True)
class Fees:
    max_fee_per_gas: int
    max_priority_fee_per_gas: int

    def as_tx_fields(self) -> dict:
        return {"maxFeePerGas": self.max_fee_per_gas, "maxPriorityFeePerGas": self.max_priority_fee_per_gas}


def fees_under_cap(base_fee: int, cap: int | None, priority_fee: int = DEFAULT_PRIORITY_FEE) -> Fees | None:
    """Fees that cover two base-fee rises and never exceed `cap`; None when the base fee alone is above it."""
    if cap is not None and base_fee + min(priority_fee, 1) > cap:
        return None
    wanted = 2 * base_fee + priority_fee
    max_fee = wanted if cap is None else min(wanted, cap)
    return Fees(max_fee_per_gas=max_fee, max_priority_fee_per_gas=min(priority_fee, max_fee - base_fee))
