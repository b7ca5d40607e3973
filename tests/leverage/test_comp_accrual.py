"""COMP index maths: what an account earns grows with the blocks and its share, and nothing without a speed."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from indexops.leverage.comp_accrual import COMP_INITIAL_INDEX, MarketRewards, borrower_comp, pending_comp, supplier_comp

E18 = 10**18
amounts = st.integers(min_value=1, max_value=10**30)


def _borrow(speed=10**16, blocks_from=100, account_index=COMP_INITIAL_INDEX, total=10**24, amount=10**22):
    return MarketRewards(speed, COMP_INITIAL_INDEX, blocks_from, account_index, total, amount, borrow_index=E18)


def test_a_sole_borrower_earns_the_whole_speed():
    market = _borrow(total=10**22, amount=10**22)
    assert borrower_comp(market, 110) == 10 * 10**16


def test_no_speed_or_no_index_earns_nothing():
    assert borrower_comp(_borrow(speed=0), 500) == 0
    assert borrower_comp(_borrow(account_index=0), 500) == 0  # a borrower is indexed from its first borrow


def test_a_new_supplier_starts_from_the_initial_index():
    market = MarketRewards(10**16, COMP_INITIAL_INDEX, 100, 0, 10**20, 10**20)
    assert supplier_comp(market, 101) == 10**16


@given(
    blocks=st.integers(min_value=0, max_value=10**6),
    more=st.integers(min_value=0, max_value=10**6),
    total=amounts,
    share=st.floats(min_value=0, max_value=1),
)
def test_earnings_grow_with_blocks_and_never_exceed_the_speed(blocks, more, total, share):
    amount = int(total * share)
    market = _borrow(total=total, amount=amount)
    early, late = borrower_comp(market, 100 + blocks), borrower_comp(market, 100 + blocks + more)
    assert 0 <= early <= late <= (blocks + more) * market.speed
    assert pending_comp(7, 100 + blocks, borrows=(market,)) == 7 + early
