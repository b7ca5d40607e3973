"""The state snapshot the strategy decides from: its `ActionInfo`, its TWAP and timestamps, the block time.

The balances and prices are those `_createActionInfo` builds: the collateral balance is the cToken
balance times `exchangeRateStored()` (`collateral_balance_from_ctokens`), the borrow balance is
`borrowBalanceStored()`, and each price is Chainlink's `latestAnswer()` times 10^(28 - token decimals)
(`oracle_price`), so `price x balance / 1e18` is a USD value in precise units. The contract stores
nothing for a disengage in progress: `disengage_in_progress` is the operator's own record (the
`Disengaged` events since the last `Engaged`, or a pause), passed in by the caller.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from indexops.leverage.errors import InvalidLeverageInput, Reverts
from indexops.leverage.precise import PRECISE_UNIT, mul, precise_div, precise_mul, sub
from indexops.leverage.settings import check_uints

CHAINLINK_DECIMALS = 8
PRECISE_DECIMALS = 18


def decimal_adjustment(token_decimals: int) -> int:
    """The strategy's `collateralDecimalAdjustment` / `borrowDecimalAdjustment`: 28 - token decimals."""
    adjustment = 2 * PRECISE_DECIMALS - CHAINLINK_DECIMALS - token_decimals
    if adjustment < 0:
        raise InvalidLeverageInput(f"a token of {token_decimals} decimals has no decimal adjustment")
    return adjustment


def oracle_price(latest_answer: int, adjustment: int) -> int:
    """A price as `_createActionInfo` makes it: `latestAnswer().toUint256().mul(10 ** adjustment)`."""
    if latest_answer < 0:
        raise Reverts("SafeCast: value must be positive")
    return mul(latest_answer, 10**adjustment)


def collateral_balance_from_ctokens(ctoken_balance: int, exchange_rate_stored: int) -> int:
    """The underlying collateral held: `cTokenBalance.preciseMul(exchangeRateStored())`."""
    return precise_mul(ctoken_balance, exchange_rate_stored)


@dataclass(frozen=True, slots=True)
class LeverageState:
    """One block's view of a leverage token, in contract units.

    collateral_balance / borrow_balance: underlying base units (e.g. wei of WETH, 1e-6 USDC).
    collateral_price / borrow_price: adjusted oracle prices (see `oracle_price`).
    set_total_supply: the SetToken's totalSupply (18 decimals).
    collateral_factor: Compound's collateralFactorMantissa of the collateral cToken (75% = 0.75e18).
    twap_leverage_ratio, global_last_trade_timestamp: the extension's storage of the same names.
    timestamp: the block time the calls are judged at.
    ether_balance: ETH held by the extension (ripcord rewards are paid from it).
    """

    collateral_balance: int
    borrow_balance: int
    collateral_price: int
    borrow_price: int
    set_total_supply: int
    collateral_factor: int
    timestamp: int
    twap_leverage_ratio: int = 0
    global_last_trade_timestamp: int = 0
    ether_balance: int = 0
    disengage_in_progress: bool = False

    def __post_init__(self) -> None:
        check_uints(self)
        if self.collateral_factor > PRECISE_UNIT:
            raise InvalidLeverageInput(f"collateral factor {self.collateral_factor} is above 100%")

    @property
    def collateral_value(self) -> int:
        """`collateralPrice.preciseMul(collateralBalance)`: USD in precise units."""
        return precise_mul(self.collateral_price, self.collateral_balance)

    @property
    def borrow_value(self) -> int:
        """`borrowPrice.preciseMul(borrowBalance)`: USD in precise units."""
        return precise_mul(self.borrow_price, self.borrow_balance)

    @property
    def in_twap(self) -> bool:
        """A TWAP is in progress: `twapLeverageRatio > 0`."""
        return self.twap_leverage_ratio > 0

    def at(self, timestamp: int) -> LeverageState:
        """The same state judged at another block time."""
        return replace(self, timestamp=timestamp)


def equity_value(state: LeverageState) -> int:
    """Collateral value less borrow value, USD in precise units; `Reverts` when the debt is larger."""
    return sub(state.collateral_value, state.borrow_value)


def nav_per_token(state: LeverageState) -> int:
    """Net asset value of one whole token (1e18 of supply), USD in precise units (collateral less debt)."""
    if state.set_total_supply == 0:
        raise InvalidLeverageInput("a token with no supply has no NAV")
    return precise_div(equity_value(state), state.set_total_supply)
