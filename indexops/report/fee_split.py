"""What the streaming fee has earned since its last accrual and how a fee split would pay it out, exactly as the
contracts compute it (integers, rounding down where they do).

StreamingFeeModule.accrueFee mints `fraction x supply / (1 - fraction)` sets, `fraction` being the fee
percentage times the seconds since the last accrual over a year of 365.25 days; the controller's protocol
share of the minted sets goes to the protocol, the rest to the fee recipient. A split contract (Index Coop's
StreamingFeeSplitExtension or FeeSplitAdapter, the self-service StreamingFeeSplitExtension through the
DelegatedManager) then pays out everything the recipient holds: the operator's (or owner's) share rounded
down, the methodologist the rest.
"""

from __future__ import annotations

from dataclasses import dataclass

PRECISE_UNIT = 10**18
ONE_YEAR_SECONDS = 31_557_600  # 365.25 days, StreamingFeeModule's ONE_YEAR_IN_SECONDS


@dataclass(frozen=True, slots=True)
class FeeTerms:
    """The chain's answer: the fee state, the supply, the protocol's share, what the recipient already holds and
    the split (operator's share, 1e18 = 100%)."""

    percentage: int
    last_accrual: int
    total_supply: int
    protocol_share: int
    held_by_recipient: int
    operator_share: int
    accrues_to_holder: bool = True  # the fee recipient is the split's holder (else the accrual goes elsewhere)


@dataclass(frozen=True, slots=True)
class FeePreview:
    """An accrual and distribution at block time `at`, in set base units (1e18 = one set)."""

    at: int
    fraction: int  # the fee accrued, 1e18 = 100% of the supply
    minted: int
    to_protocol: int
    to_recipient: int
    distributable: int  # what the split's holder has once the accrual is in
    to_operator: int
    to_methodologist: int


def accrued_fraction(percentage: int, last_accrual: int, at: int) -> int:
    return max(at - last_accrual, 0) * percentage // ONE_YEAR_SECONDS


def preview(terms: FeeTerms, at: int) -> FeePreview:
    fraction = accrued_fraction(terms.percentage, terms.last_accrual, at)
    minted = fraction * terms.total_supply // (PRECISE_UNIT - fraction) if fraction < PRECISE_UNIT else 0
    to_protocol = minted * terms.protocol_share // PRECISE_UNIT
    to_recipient = minted - to_protocol
    distributable = terms.held_by_recipient + (to_recipient if terms.accrues_to_holder else 0)
    to_operator = distributable * terms.operator_share // PRECISE_UNIT
    return FeePreview(
        at=at,
        fraction=fraction,
        minted=minted,
        to_protocol=to_protocol,
        to_recipient=to_recipient,
        distributable=distributable,
        to_operator=to_operator,
        to_methodologist=distributable - to_operator,
    )
