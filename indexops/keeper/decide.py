"""One product's decision at the latest block: the strategy read in constant round trips, the verdict, the
pending block's fees and the product's gas policy (the same inputs as `indexops keeper check`)."""

from __future__ import annotations

from dataclasses import dataclass

from indexops.chain.keeper_inputs import read_gas_quote
from indexops.chain.leverage_reader import LeverageReading, read_leverage
from indexops.config.selection import ProductOnNetwork
from indexops.errors import UsageError
from indexops.leverage.gas_policy import GasDecision, GasPolicy, GasQuote, decide_gas
from indexops.leverage.verdict import Verdict, verdict
from indexops.workflows.keeper_check import _eth_usd, gas_policy, strategy_of


@dataclass(frozen=True)
class Product:
    """What the loop needs of a product, resolved once at start."""

    target: ProductOnNetwork
    extension: str
    policy: GasPolicy

    @property
    def key(self) -> str:
        return self.target.key

    @classmethod
    def of(cls, target: ProductOnNetwork) -> Product:
        return cls(target, strategy_of(target), gas_policy(target.product.keeper))


@dataclass(frozen=True)
class Decision:
    reading: LeverageReading
    verdict: Verdict
    quote: GasQuote
    gas: GasDecision
    eth_usd: int | None = None  # USD per ETH in precise units, as the gas policy priced it

    @property
    def block(self) -> int:
        return self.reading.block_number


def decide(product: Product, connection, keeper: str) -> Decision:
    reading = read_leverage(connection, product.extension, callers=[keeper])
    if not reading.anyone_callable and not reading.callers.get(keeper, False):
        raise UsageError(
            f"{product.key}: keeper {keeper} is not on the strategy's callAllowList (anyoneCallable is false)"
        )
    decision = verdict(reading.state, reading.settings, reading.exchanges)
    quote = read_gas_quote(connection)
    eth_usd = _eth_usd(product.target, connection, reading)
    gas = decide_gas(
        decision,
        reading.state,
        reading.settings,
        quote,
        reading.state.timestamp,
        product.policy,
        eth_usd=eth_usd,
    )
    return Decision(reading, decision, quote, gas, eth_usd)
