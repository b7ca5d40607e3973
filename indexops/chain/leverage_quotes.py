"""What each exchange of a leverage strategy would give for a trade now, in one batch.

An exchange name is the leverage module's adapter in Set's IntegrationRegistry (`Controller.resourceId(0)`);
a Uniswap V2-style adapter names its `router()`, which `getAmountsOut` quotes. The routers are resolved once
per quoter (three batched round trips), the quotes are one batch per decision. An exchange whose adapter has
no `router()` (Uniswap V3's), or whose quote reverts, is not quoted (None).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from indexops.chain.abis import contract
from indexops.chain.answers import GarbageAnswer
from indexops.chain.batch import BatchReader, CallFailed

INTEGRATION_REGISTRY_RESOURCE = 0
ZERO = "0x" + "00" * 20


@dataclass(frozen=True)
class QuoteRequest:
    amount_in: int  # base units of `sell`
    sell: str
    buy: str


class ExchangeQuoter:
    """Quotes by exchange name for one leverage module; keeps the routers it resolved."""

    def __init__(self) -> None:
        self._routers: dict[tuple[str, str], str | None] = {}

    def quotes(
        self, connection, leverage_module: str, block: int, requests: Mapping[str, QuoteRequest]
    ) -> dict[str, int | None]:
        """Base units of `buy` each exchange would give for its request at `block`, or None."""
        routers = self._routers_of(connection, leverage_module, list(requests), block)
        w3 = connection.w3
        reader = BatchReader(w3, block)
        tickets = {}
        for name, request in requests.items():
            router = routers.get(name)
            if router is not None:
                quoting = contract(w3, "UniswapV2Router02", router)
                tickets[name] = reader.call(quoting, "getAmountsOut", request.amount_in, [request.sell, request.buy])
        results = reader.run()
        quoted: dict[str, int | None] = dict.fromkeys(requests)
        for name, ticket in tickets.items():
            answer = _usable(connection, f"getAmountsOut on {name}'s router", results[ticket])
            if answer is not None:
                quoted[name] = int(answer[-1])
        return quoted

    def _routers_of(self, connection, module: str, names: list[str], block: int) -> dict[str, str | None]:
        missing = [name for name in names if (module.lower(), name) not in self._routers]
        if missing:
            for name, router in _resolve_routers(connection, module, missing, block).items():
                self._routers[(module.lower(), name)] = router
        return {name: self._routers[(module.lower(), name)] for name in names}


def _resolve_routers(connection, module: str, names: list[str], block: int) -> dict[str, str | None]:
    w3 = connection.w3
    reader = BatchReader(w3, block)
    reader.call(contract(w3, "ModuleBase", module), "controller")
    controller = _usable(connection, "the leverage module's controller()", reader.run()[0])
    if controller is None:
        return dict.fromkeys(names)
    reader.call(contract(w3, "Controller", controller), "resourceId", INTEGRATION_REGISTRY_RESOURCE)
    registry = _usable(connection, "Controller.resourceId(0)", reader.run()[0])
    if registry is None or registry == ZERO:
        return dict.fromkeys(names)
    for name in names:
        reader.call(contract(w3, "IntegrationRegistry", registry), "getIntegrationAdapter", module, name)
    adapters = [_usable(connection, f"the adapter of {name}", a) for name, a in zip(names, reader.run(), strict=True)]
    for adapter in adapters:
        if adapter not in (None, ZERO):
            reader.call(contract(w3, "ExchangeAdapter", adapter), "router")
    answers = iter(reader.run())
    routers: dict[str, str | None] = {}
    for name, adapter in zip(names, adapters, strict=True):
        router = _usable(connection, f"{name}'s router()", next(answers)) if adapter not in (None, ZERO) else None
        routers[name] = None if router in (None, ZERO) else router
    return routers


def _usable(connection, what: str, answer):
    """The answer, None for a read that reverted, or one line for a garbage one."""
    if isinstance(answer, CallFailed):
        if answer.garbage:
            raise GarbageAnswer(connection, what, answer.reason)
        return None
    return answer
