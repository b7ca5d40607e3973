"""Planning errors a user can cause; each is a `UsageError` with a one-sentence message."""

from __future__ import annotations

from indexops.errors import UsageError


class PlanningError(UsageError):
    """A plan cannot be made from the inputs given."""


class ImpactCapUnreachable(PlanningError):
    """Even the most chunks allowed leave some chunk above the price-impact cap."""

    def __init__(self, component: str, side: str, quantity: int, max_chunks: int, cap_bps: float, largest_chunk: int):
        self.component = component
        self.quantity = quantity
        self.max_chunks = max_chunks
        verb = "selling" if side == "sell" else "buying"
        super().__init__(
            f"{component}: {verb} {quantity} base units needs more than {max_chunks} chunks to keep every "
            f"chunk within {cap_bps:g} bps of price impact "
            f"(the pools take at most {largest_chunk} per chunk)."
        )


class NoLiquidity(PlanningError):
    """No venue can trade the component at all."""

    def __init__(self, component: str):
        self.component = component
        super().__init__(f"{component}: none of the venues given has liquidity for this trade.")


class CostsExceedValue(PlanningError):
    """The trades would cost more than the set is worth: at an absurd gas price, nothing can be funded."""

    def __init__(self, cost_weth: float, value_weth: float, gas_price_wei: int):
        super().__init__(
            f"at a gas price of {gas_price_wei / 10**9:,.2f} gwei the trades would cost {cost_weth:.4g} WETH per set, "
            f"more than the set is worth ({value_weth:.4g} WETH): plan with a lower --gas-price."
        )


class InvalidPlanParameter(PlanningError):
    """A cap, limit or fee outside the range it can take."""


class InvalidWeights(PlanningError):
    """Target weights that cannot be turned into units."""


class InvalidComponentData(PlanningError):
    """Units, prices, decimals or balances that are missing or out of range."""
