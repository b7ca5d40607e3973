"""Shared inputs for the leverage tests: ETH2x-FLI's sandbox settings and states built at a chosen ratio."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import strategies as st

from indexops.leverage import (
    PRECISE_UNIT,
    ExchangeSettings,
    Execution,
    Incentive,
    LeverageSettings,
    LeverageState,
    Methodology,
    decimal_adjustment,
    oracle_price,
)

E = PRECISE_UNIT
ETH = 10**18
USDC = 10**6
T0 = 1_700_000_000
DAY = 86_400
UNI = "UniswapV2ExchangeAdapter"
SUSHI = "SushiswapExchangeAdapter"
SUPPLY = 20_000 * E
CF = 75 * 10**16

SETTINGS = LeverageSettings(
    methodology=Methodology(
        target_leverage_ratio=2 * E,
        min_leverage_ratio=17 * E // 10,
        max_leverage_ratio=23 * E // 10,
        recentering_speed=5 * E // 100,
        rebalance_interval=DAY,
    ),
    execution=Execution(
        unutilized_leverage_percentage=E // 100, slippage_tolerance=2 * E // 100, twap_cooldown_period=30
    ),
    incentive=Incentive(
        ether_reward=ETH,
        incentivized_leverage_ratio=27 * E // 10,
        incentivized_slippage_tolerance=5 * E // 100,
        incentivized_twap_cooldown_period=1,
    ),
)


def exchange(last: int = 0, size: int = 200 * ETH, incentivized: int = 500 * ETH) -> ExchangeSettings:
    return ExchangeSettings(
        twap_max_trade_size=size, exchange_last_trade_timestamp=last, incentivized_twap_max_trade_size=incentivized
    )


def exchanges(uni_last: int = 0, sushi_last: int = 0) -> dict[str, ExchangeSettings]:
    return {UNI: exchange(uni_last), SUSHI: exchange(sushi_last)}


def eth_price(usd: int | float) -> int:
    """ETH/USD as the strategy reads it: an 8-decimal Chainlink answer times 10^(28 - 18)."""
    return oracle_price(round(usd * 10**8), decimal_adjustment(18))


USDC_PRICE = oracle_price(10**8, decimal_adjustment(6))


def state_at_ratio(
    ratio: int,
    collateral: int = 2_000 * ETH,
    price: int | None = None,
    timestamp: int = T0,
    **fields: object,
) -> LeverageState:
    """A state with `collateral` wei of ETH and the USDC debt that puts it at `ratio` (within rounding)."""
    price = eth_price(2_000) if price is None else price
    collateral_value = price * collateral // E
    borrow_value = collateral_value - collateral_value * E // ratio
    return LeverageState(
        collateral_balance=collateral,
        borrow_balance=borrow_value * E // USDC_PRICE,
        collateral_price=price,
        borrow_price=USDC_PRICE,
        set_total_supply=SUPPLY,
        collateral_factor=CF,
        timestamp=timestamp,
        ether_balance=10 * ETH,
        **fields,  # type: ignore[arg-type]
    )


def state_with(collateral: int, debt: int, price: int | None = None, **fields: object) -> LeverageState:
    """A state holding `collateral` wei of ETH against `debt` USDC base units."""
    state = state_at_ratio(E, collateral=collateral, price=price, **fields)
    return replace(state, borrow_balance=debt)


def ratios(low: float, high: float) -> st.SearchStrategy[int]:
    return st.integers(min_value=int(low * E), max_value=int(high * E))


collaterals = st.integers(min_value=10 * ETH, max_value=100_000 * ETH)
prices = st.integers(min_value=100, max_value=20_000).map(eth_price)


@st.composite
def states(draw, low: float = 1.05, high: float = 3.8, **fields: object) -> LeverageState:
    return state_at_ratio(draw(ratios(low, high)), collateral=draw(collaterals), price=draw(prices), **fields)
