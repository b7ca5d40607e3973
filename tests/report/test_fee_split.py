"""The streaming fee's accrual and its split, as the contracts compute them."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from indexops.report.fee_split import ONE_YEAR_SECONDS, PRECISE_UNIT, FeeTerms, accrued_fraction, preview

E = PRECISE_UNIT


def terms(**fields) -> FeeTerms:
    base = dict(
        percentage=E // 100 * 195 // 100,
        last_accrual=0,
        total_supply=1_000_000 * E,
        protocol_share=0,
        held_by_recipient=0,
        operator_share=E * 60 // 100,
    )
    return FeeTerms(**{**base, **fields})


def test_a_year_of_a_2_percent_fee_mints_what_dilutes_holders_by_2_percent():
    year = preview(terms(percentage=2 * E // 100), ONE_YEAR_SECONDS)
    assert year.fraction == 2 * E // 100
    assert year.minted == 2 * E // 100 * 1_000_000 * E // (98 * E // 100)  # 20,408.16 sets
    assert year.minted * E // (1_000_000 * E + year.minted) == 2 * E // 100 - 1  # the holders' share lost, rounded


def test_the_protocol_takes_its_share_first_and_the_split_pays_out_what_the_recipient_holds():
    result = preview(terms(protocol_share=E // 10, held_by_recipient=5 * E), ONE_YEAR_SECONDS // 12)
    assert result.to_protocol == result.minted // 10
    assert result.distributable == 5 * E + result.minted - result.to_protocol
    assert result.to_operator == result.distributable * 60 // 100


def test_nothing_accrues_before_the_last_accrual_or_at_a_zero_rate():
    assert accrued_fraction(2 * E // 100, last_accrual=100, at=50) == 0
    assert preview(terms(percentage=0), ONE_YEAR_SECONDS).minted == 0


@settings(max_examples=300, deadline=None)
@given(
    percentage=st.integers(0, E // 10),
    elapsed=st.integers(0, 3 * ONE_YEAR_SECONDS),
    supply=st.integers(0, 10**9 * E),
    protocol=st.integers(0, E // 2),
    held=st.integers(0, 10**6 * E),
    split=st.integers(0, E),
)
def test_every_set_minted_goes_to_someone_and_the_split_never_overpays(
    percentage, elapsed, supply, protocol, held, split
):
    result = preview(
        terms(
            percentage=percentage,
            total_supply=supply,
            protocol_share=protocol,
            held_by_recipient=held,
            operator_share=split,
        ),
        elapsed,
    )
    assert result.to_protocol + result.to_recipient == result.minted
    assert result.to_operator + result.to_methodologist == result.distributable == held + result.to_recipient
    assert result.to_operator * E <= result.distributable * split < (result.to_operator + 1) * E
