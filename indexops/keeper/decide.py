"""One product's decision at the latest block: `keeper check`'s own (`workflows.keeper_check.decide`), from
the product's strategy and gas policy resolved once at start."""

from __future__ import annotations

from dataclasses import dataclass, field

from indexops.chain.leverage_quotes import ExchangeQuoter
from indexops.config.selection import ProductOnNetwork
from indexops.leverage.gas_policy import GasPolicy
from indexops.workflows import keeper_check
from indexops.workflows.keeper_check import Decision, gas_policy, strategy_of


@dataclass(frozen=True)
class Product:
    """What the loop needs of a product, resolved once at start."""

    target: ProductOnNetwork
    extension: str
    policy: GasPolicy
    quoter: ExchangeQuoter = field(default_factory=ExchangeQuoter, compare=False)  # its routers, resolved once

    @property
    def key(self) -> str:
        return self.target.key

    @classmethod
    def of(cls, target: ProductOnNetwork) -> Product:
        return cls(target, strategy_of(target), gas_policy(target.product.keeper))


def decide(product: Product, connection, keeper: str) -> Decision:
    return keeper_check.decide(product.target, product.extension, product.policy, connection, keeper, product.quoter)
