"""The state digest: the values the planner read, and nothing about where or when."""

from __future__ import annotations

import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indexops.plans import InvalidStateValues, seal, state_digest

E18 = 10**18


def read_state() -> dict:
    return {
        "set_token": {
            "total_supply": 12_345 * E18 + 7,
            "position_multiplier": 999_876_543_210_000_000,
            "units": {"AAVE": 2_500_000_000_000_000_000, "UNI": 30 * E18, "WETH": 0},
        },
        "pools": {
            "uniswap-v3:AAVE/WETH:3000": {"sqrt_price_x96": 2**96 + 12345, "liquidity": 10**24, "tick": -887},
            "sushiswap:UNI/WETH": {"reserve0": 4 * 10**24, "reserve1": 3 * 10**21},
        },
        "gim": {"cool_off_period": 180, "last_trade": {"AAVE": 1_714_560_000}, "trade_maximum": 5 * E18},
        "prices_usd": {"AAVE": 91.25, "UNI": 7.5},
        "allowed_traders": ["0x1f9840A85d5aF5b3D1D8dFcC3De4e9F7c6fED87f"],
        "anyone_trade": False,
        "pending_upgrade": None,
    }


def leaves(tree, path=()):
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield from leaves(value, (*path, key))
    elif isinstance(tree, list):
        for index, value in enumerate(tree):
            yield from leaves(value, (*path, index))
    else:
        yield path, tree


def changed(value):
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, float):
        return value * 1.0001 + 0.01
    if isinstance(value, str):
        return value[:-1] + ("0" if value[-1] != "0" else "1")
    return 0


def edited(tree, path, value):
    tree = copy.deepcopy(tree)
    place = tree
    for key in path[:-1]:
        place = place[key]
    place[path[-1]] = value
    return tree


def test_the_same_state_read_at_another_block_gives_the_same_digest(samples):
    digest = state_digest(read_state())
    assert digest.startswith("0x") and len(digest) == 66
    reordered = dict(reversed(list(read_state().items())))
    assert state_digest(reordered) == digest
    early = seal(samples.plan_fields(state_digest=digest))
    late_fields = samples.plan_fields(state_digest=state_digest(read_state()))
    late_fields["snapshot"] = {"block_number": 19_999_999, "block_hash": "0x" + "cd" * 32, "timestamp": 1_715_000_000}
    late = seal(late_fields)
    assert late.state_digest == early.state_digest and late.content_hash != early.content_hash


@pytest.mark.parametrize("key", ["block_number", "block_hash", "blockNumber", "timestamp", "block"])
def test_block_identity_is_refused_as_state(key):
    with pytest.raises(InvalidStateValues) as caught:
        state_digest(read_state() | {key: 1})
    assert str(caught.value) == (
        f"state digest: {key} says where the state was read, not what it was; leave it out so that "
        "a later block with the same state gives the same digest"
    )


def test_every_single_value_change_changes_the_digest():
    state = read_state()
    digest = state_digest(state)
    paths = list(leaves(state))
    assert len(paths) == 18
    seen = {digest}
    for path, value in paths:
        other = state_digest(edited(state, path, changed(value)))
        assert other not in seen, path
        seen.add(other)


@given(
    reserves=st.lists(st.integers(min_value=0, max_value=2**112 - 1), min_size=2, max_size=6),
    units=st.dictionaries(
        st.sampled_from(["AAVE", "UNI", "MKR", "SNX", "WBTC"]), st.integers(-(2**255), 2**256 - 1), min_size=1
    ),
    data=st.data(),
)
@settings(max_examples=60, deadline=None)
def test_digest_changes_when_any_reserve_or_unit_moves(reserves, units, data):
    state = {"reserves": reserves, "units": units}
    digest = state_digest(state)
    assert state_digest({"units": dict(reversed(list(units.items()))), "reserves": list(reserves)}) == digest
    position = data.draw(st.integers(0, len(reserves) - 1))
    delta = data.draw(st.integers(1, 10**30))
    moved = list(reserves)
    moved[position] += delta
    assert state_digest({"reserves": moved, "units": units}) != digest
    symbol = data.draw(st.sampled_from(sorted(units)))
    assert state_digest({"reserves": reserves, "units": units | {symbol: units[symbol] - delta}}) != digest


def test_types_are_part_of_the_value():
    digests = {state_digest({"x": value}) for value in [1, "1", 1.0, True, [1], None, 2**64, str(2**64)]}
    assert len(digests) == 8
    assert state_digest({"pools": [1, 2]}) != state_digest({"pools": [2, 1]})


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({}, "state digest: no values given; pass every value the planner read"),
        ({"raw": b"\x00"}, "state digest: raw: a bytes has no JSON form here"),
        ({"price": float("nan")}, "state digest: price: nan is not a finite number"),
        ({"units": {1: 2}}, "state digest: units: key 1 is not a string"),
        ([("a", 1)], "state digest: expected a mapping of the values the planner read, got list"),
    ],
)
def test_values_that_cannot_be_hashed_unambiguously(values, message):
    with pytest.raises(InvalidStateValues) as caught:
        state_digest(values)
    assert str(caught.value) == message
