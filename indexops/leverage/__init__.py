"""Leverage tokens (FLI): the maths and decisions of FlexibleLeverageStrategyExtension over CompoundLeverageModule.

Pure, like `planning/`: integers in the contract's units (wei, base units, 1e18 precise units), frozen
dataclasses in and out, no chain, no clock, no I/O. Mirrors @setprotocol/index-coop-contracts 0.0.25's
contracts/adapters/FlexibleLeverageStrategyExtension.sol to the wei.

  precise         SafeMath / PreciseUnitMath
  settings        the strategy's settings structs          state     the block's snapshot (ActionInfo + storage)
  ratio           current and recentred ratios              chunks    chunk sizing, getChunkRebalanceNotional
  trades          what lever / delever send and leave       rules     the contract's requires, time tests
  calls           each call run short of its trade          should_rebalance   the contract's own advice
  verdict         what a keeper should do now, and when     risk      price falls to each line, NAV
"""

from indexops.leverage.calls import (
    Call,
    CallPlan,
    Check,
    check_call,
    plan_disengage,
    plan_engage,
    plan_iterate,
    plan_rebalance,
    plan_ripcord,
    state_after,
)
from indexops.leverage.chunks import (
    ChunkNotional,
    ChunkSizes,
    borrow_units,
    chunk_rebalance_notional,
    max_borrow_collateral,
    rebalance_notional,
)
from indexops.leverage.errors import InvalidLeverageInput, LeverageError, Reverts
from indexops.leverage.precise import PRECISE_UNIT
from indexops.leverage.ratio import current_leverage_ratio, is_advantageous_twap, leverage_ratio, new_leverage_ratio
from indexops.leverage.risk import Risk, liquidation_price_drop, price_drop_to_ratio, ratio_after_price_move, risk
from indexops.leverage.settings import (
    Exchanges,
    ExchangeSettings,
    Execution,
    Incentive,
    LeverageSettings,
    Methodology,
    validate_settings,
)
from indexops.leverage.should_rebalance import ShouldRebalance, should_rebalance, should_rebalance_with_bounds
from indexops.leverage.state import (
    LeverageState,
    collateral_balance_from_ctokens,
    decimal_adjustment,
    nav_per_token,
    oracle_price,
)
from indexops.leverage.trades import Trade
from indexops.leverage.verdict import Action, ExchangeOption, Reason, Verdict, earliest_action_time, verdict

__all__ = [
    "PRECISE_UNIT",
    "Action",
    "Call",
    "CallPlan",
    "Check",
    "ChunkNotional",
    "ChunkSizes",
    "ExchangeOption",
    "ExchangeSettings",
    "Exchanges",
    "Execution",
    "Incentive",
    "InvalidLeverageInput",
    "LeverageError",
    "LeverageSettings",
    "LeverageState",
    "Methodology",
    "Reason",
    "Reverts",
    "Risk",
    "ShouldRebalance",
    "Trade",
    "Verdict",
    "borrow_units",
    "check_call",
    "chunk_rebalance_notional",
    "collateral_balance_from_ctokens",
    "current_leverage_ratio",
    "decimal_adjustment",
    "earliest_action_time",
    "is_advantageous_twap",
    "leverage_ratio",
    "liquidation_price_drop",
    "max_borrow_collateral",
    "nav_per_token",
    "new_leverage_ratio",
    "oracle_price",
    "plan_disengage",
    "plan_engage",
    "plan_iterate",
    "plan_rebalance",
    "plan_ripcord",
    "price_drop_to_ratio",
    "ratio_after_price_move",
    "rebalance_notional",
    "risk",
    "should_rebalance",
    "should_rebalance_with_bounds",
    "state_after",
    "validate_settings",
    "verdict",
]
