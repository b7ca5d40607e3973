"""The direct route: the SetToken's manager is the operator's own account, which calls TradeModule.trade."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from indexops.planning.chunk_pricing import VenuesPerChunk
from indexops.routes import trade_module, trade_module_steps
from indexops.routes.route import GasProfile

GAS = GasProfile(per_trade=240_000)  # TradeModule.trade through a Uniswap V2 adapter


@dataclass(frozen=True)
class DirectRoute:
    trade_module: str
    set_token: str
    adapters: Mapping[str, str]  # venue -> TradeModule adapter name
    slippage_bps: int
    fee_tiers: Mapping[str, int] = field(default_factory=dict)  # Uniswap V3 venues
    kind: str = "direct"
    gas: GasProfile = GAS
    venues_per_chunk: VenuesPerChunk = "many"
    buys_exact_output: bool = False  # a buy spends exact WETH for at least the component
    signers: Mapping[str, str] = field(default_factory=lambda: {"trade": "operator"})

    def steps(self, rebalance, snapshot):
        fills = trade_module_steps.fill_trades(rebalance, snapshot, self.adapters, self.slippage_bps, self.fee_tiers)
        return trade_module_steps.serial_steps(
            fills, lambda trade: trade_module.trade_call(self.trade_module, self.set_token, trade), self.gas.per_trade
        )

    def check_before_send(self, w3, steps: Iterable) -> None:
        """The manager is the signer itself: the role check covers it."""
