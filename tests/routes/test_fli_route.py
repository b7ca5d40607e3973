"""The leverage route's pure parts: chunk prediction, setting keys and values, the setters' order, drift."""

from __future__ import annotations

import pytest

from indexops.leverage import ExchangeSettings, Execution, Incentive, LeverageSettings, LeverageState, Methodology
from indexops.leverage.state import oracle_price
from indexops.routes.fli.chunks import Asset, LeverInputs, disengage_chunks, engage_chunks, lever_action, lever_steps
from indexops.routes.fli.drift import lever_state_changes
from indexops.routes.fli.settings import SettingsRefused, field_for, parse_value, plan_change

P = 10**18
STRATEGY = "0x95775fD3Afb1F4072794CA4ddA27F2444BCf8Ac3"
SETTINGS = LeverageSettings(
    Methodology(2 * P, 17 * P // 10, 23 * P // 10, 5 * P // 100, 86_400),
    Execution(P // 100, 2 * P // 100, 30),
    Incentive(P, 27 * P // 10, 5 * P // 100, 1),
)
EXCHANGES = {"A": ExchangeSettings(200 * P, 0, 500 * P), "B": ExchangeSettings(200 * P, 0, 500 * P)}
# a USDC/WETH pool of 100 M USD a side at 3,000 USD, as the sandbox's
POOL = (33_333 * P, 100_000_000 * 10**6)


def state(collateral: int, borrow: int, twap: int = 0) -> LeverageState:
    return LeverageState(
        collateral_balance=collateral,
        borrow_balance=borrow,
        collateral_price=oracle_price(3000 * 10**8, 10),
        borrow_price=oracle_price(10**8, 22),
        set_total_supply=20_000 * P,
        collateral_factor=75 * P // 100,
        timestamp=1_000_000,
        twap_leverage_ratio=twap,
    )


def inputs(at: LeverageState, reserves=None) -> LeverInputs:
    return LeverInputs(
        STRATEGY,
        at,
        SETTINGS,
        EXCHANGES,
        Asset("WETH", 18),
        Asset("USDC", 6),
        {"A": POOL, "B": POOL} if reserves is None else reserves,
    )


def test_engage_levers_to_the_target_in_alternating_chunks_a_cooldown_apart():
    start = inputs(state(1000 * P, 0))
    chunks = engage_chunks(start, ["A", "B"])
    assert [c.function for c in chunks] == ["engage"] + ["iterateRebalance"] * (len(chunks) - 1)
    assert [c.plan.exchange for c in chunks] == ["A", "B"] * (len(chunks) // 2) + ["A"] * (len(chunks) % 2)
    assert chunks[-1].after.twap_leverage_ratio == 0
    assert all(c.plan.chunk.chunk <= 200 * P for c in chunks)
    assert all(b.before.timestamp - a.before.timestamp == 31 for a, b in zip(chunks, chunks[1:], strict=False))
    assert abs(chunks[-1].ratio_after - 2 * P) < P // 100
    steps = lever_steps(start, chunks)
    assert [s.call.signer_role for s in steps] == ["operator"] + ["keeper"] * (len(steps) - 1)
    assert [(s.chunk, s.chunks) for s in steps] == [(k + 1, len(steps)) for k in range(len(steps))]
    assert {s.cool_off_after for s in steps} == {31}
    assert lever_action([s.call.function for s in steps]) == "engage"


def test_pool_fills_need_more_collateral_than_oracle_fills():
    """A fill on a pool (fee and impact) buys less than the oracle's price says: the last chunk is larger."""
    on_pools = engage_chunks(inputs(state(1000 * P, 0)), ["A"])
    at_oracle = engage_chunks(inputs(state(1000 * P, 0), reserves={}), ["A"])
    assert on_pools[0].received < at_oracle[0].received
    assert on_pools[-1].after.collateral_balance < at_oracle[-1].after.collateral_balance


def test_disengage_repays_everything_in_its_last_chunk():
    chunks = disengage_chunks(inputs(state(2000 * P, 3_000_000 * 10**6)), ["A", "B"])
    assert {c.function for c in chunks} == {"disengage"}
    assert [c.plan.trade.to_zero for c in chunks] == [False] * (len(chunks) - 1) + [True]
    assert chunks[-1].after.borrow_balance == 0 and chunks[-1].ratio_after == P


def test_a_pool_too_shallow_for_the_chunk_is_refused():
    shallow = {"A": (100 * P, 300_000 * 10**6)}
    with pytest.raises(Exception, match="under its minimum of .* the pool is too shallow"):
        disengage_chunks(inputs(state(2000 * P, 3_000_000 * 10**6), reserves=shallow), ["A"])


@pytest.mark.parametrize(
    ("key", "text", "unit", "value"),
    [
        ("target", "2.1", "ratio", 21 * P // 10),
        ("target", "2.1x", "ratio", 21 * P // 10),
        ("slippage", "2%", "fraction", 2 * P // 100),
        ("slippage", "0.02", "fraction", 2 * P // 100),
        ("cooldown", "30", "seconds", 30),
        ("cooldown", "5min", "seconds", 300),
        ("cooldown", "1d", "seconds", 86_400),
        ("reward", "1.5", "ether", 15 * P // 10),
        ("size", "12.5", "collateral", 1_250_000_000),
        ("data", "0x000bb8", "data", bytes.fromhex("000bb8")),
    ],
)
def test_values_are_read_exactly_in_the_contracts_units(key, text, unit, value):
    assert parse_value(key, text, unit, collateral_decimals=8) == value


def test_keys_are_the_products_files_names():
    assert field_for("target")[0].key == field_for("methodology.target")[0].key == field_for("leverage.target")[0].key
    assert field_for("incentive.slippage")[0].index == 2
    field, exchange = field_for("exchange.UniswapV2ExchangeAdapter.twap_max_trade_size")
    assert (field.name, exchange) == ("twap_max_trade_size", "UniswapV2ExchangeAdapter")
    with pytest.raises(SettingsRefused, match="ambiguous"):
        field_for("twap_cooldown")


def test_setters_are_ordered_so_every_call_is_valid():
    lower = plan_change(STRATEGY, SETTINGS, EXCHANGES, 0, ["max=2.2", "ripcord=2.25"])
    assert [c.function.split("(")[0] for c in lower.calls] == ["setMethodologySettings", "setIncentiveSettings"]
    higher = plan_change(STRATEGY, SETTINGS, EXCHANGES, 0, ["max=2.8", "ripcord=3"])
    assert [c.function.split("(")[0] for c in higher.calls] == ["setIncentiveSettings", "setMethodologySettings"]
    with pytest.raises(SettingsRefused, match="Rebalance is currently in progress"):
        plan_change(STRATEGY, SETTINGS, EXCHANGES, 2 * P, ["target=2.1"])


def test_lever_drift_is_exact_for_settings_and_within_the_tolerance_for_balances():
    planned = {
        "operator": "0x1",
        "twap_leverage_ratio": 0,
        "settings": {"methodology": [1, 2]},
        "exchanges": {"A": [1]},
        "ratio": 2 * P,
        "collateral_balance": 1000,
        "borrow_balance": 500,
        "collateral_price": 3,
        "borrow_price": 1,
        "set_total_supply": 10,
    }
    assert lever_state_changes(planned, {**planned, "collateral_balance": 1004}, 50) == []
    assert lever_state_changes(planned, {**planned, "collateral_balance": 1010}, 50) == [
        "collateral balance moved +1.00% (tolerance 0.5%)"
    ]
    assert lever_state_changes(planned, {**planned, "settings": {"methodology": [1, 3]}}, 50) == [
        "the strategy's methodology settings changed"
    ]
    assert lever_state_changes(planned, {**planned, "exchanges": {"B": [1]}}, 50) == [
        "the enabled exchanges were A, now B"
    ]


def test_engage_finishes_a_twap_in_progress_with_iterates_alone():
    halfway = inputs(state(1400 * P, 1_200_000 * 10**6, twap=2 * P))  # 1.4x of a 2x TWAP
    chunks = engage_chunks(halfway, ["B", "A"])
    assert {c.function for c in chunks} == {"iterateRebalance"} and chunks[0].plan.exchange == "B"
    assert chunks[-1].after.twap_leverage_ratio == 0 and abs(chunks[-1].ratio_after - 2 * P) < P // 100
    assert lever_action([c.plan.call.value for c in chunks]) == "engage"
