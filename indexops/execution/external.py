"""Steps a Safe sends instead of the executor: which they are, and whether their effect is on chain.

`execute` never signs a step whose role the product's Safe holds. Once the Safe has executed it,
the executor checks its effect on chain and journals it as `external`. Only effects that can be
read back are accepted: the GIM route's GIMExtension set-up (trade maximums, exchanges, cool-off
periods, exchange data, trader status) and `startRebalanceWithUnits`; any other Safe step is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from indexops.chain.abis import contract
from indexops.errors import UsageError

# GIMExtension setter -> the field of GeneralIndexModule.executionInfo it sets
EXECUTION_INFO_FIELD = {"setTradeMaximums": 1, "setCoolOffPeriods": 2, "setExchanges": 4, "setExchangeData": 5}


class SafeMustExecuteFirst(UsageError):
    def __init__(self, index: int, safe: str, plan_file: str):
        super().__init__(
            f"step {index} must be executed by the Safe {safe} first: "
            f"export it with `indexops execute {plan_file} --safe`"
        )


class CannotVerify(UsageError):
    def __init__(self, index: int, function: str, safe: str):
        super().__init__(
            f"step {index} ({function}) is sent by the Safe {safe}, and indexops cannot check its effect on chain: "
            "make a plan whose Safe steps are GIM set-up calls"
        )


@dataclass(frozen=True)
class SafeSteps:
    """The product's Safe, the roles it holds, and what is known of the transactions that executed its steps."""

    safe: str
    roles: frozenset[str]
    plan_file: str
    gim: str | None = None
    tx_hashes: tuple[str | None, ...] = ()  # per Safe step, in plan order; one hash for all when a single one is given

    def sends(self, step) -> bool:
        return step.signer_role in self.roles

    def tx_hash_for(self, plan, step) -> str | None:
        if len(self.tx_hashes) == 1:
            return self.tx_hashes[0]
        position = [s.index for s in plan.steps if self.sends(s)].index(step.index)
        return self.tx_hashes[position] if position < len(self.tx_hashes) else None

    def in_place(self, w3, plan, step) -> bool:
        """Whether the step's effect is what the chain holds now."""
        if self.gim is None or step.function.split("(")[0] not in (
            *EXECUTION_INFO_FIELD,
            "setTraderStatus",
            "startRebalanceWithUnits",
        ):
            raise CannotVerify(step.index, step.function, self.safe)
        name, args = step.function.split("(")[0], _arguments(w3, step)
        gim = contract(w3, "GeneralIndexModule", self.gim)
        if name in EXECUTION_INFO_FIELD:
            components, values = args
            return all(
                _execution_info(gim, plan, c)[EXECUTION_INFO_FIELD[name]] == v
                for c, v in zip(components, values, strict=True)
            )
        if name == "setTraderStatus":
            traders, statuses = args
            return all(
                gim.functions.getIsAllowedTrader(plan.set_token, t).call() == s
                for t, s in zip(traders, statuses, strict=True)
            )
        return _rebalance_started(gim, plan, *args)

    def confirm(self, w3, plan, step) -> tuple[str | None, str]:
        """(tx hash if known, what happened) for a Safe step whose effect is in place; refuses one that is not."""
        if not self.in_place(w3, plan, step):
            raise SafeMustExecuteFirst(step.index, self.safe, self.plan_file)
        return self.tx_hash_for(plan, step), f"executed by the Safe {self.safe}; its effect checked on chain"


def _arguments(w3, step) -> list:
    _function, decoded = contract(w3, "GIMExtension", step.to).decode_function_input(step.data)
    return list(decoded.values())


def _execution_info(gim, plan, component: str) -> tuple:
    return tuple(gim.functions.executionInfo(plan.set_token, component).call())


def _rebalance_started(gim, plan, components: Sequence[str], target_units: Sequence[int], multiplier: int) -> bool:
    """GIM holds exactly this rebalance: its components, target units and the position multiplier they are for.

    GIM normalizes a target unit by the position multiplier it was given; with that equal, the stored
    units are the call's. Trades do not change target units, so this holds until the next rebalance.
    """
    held = {c.lower() for c in gim.functions.getRebalanceComponents(plan.set_token).call()}
    if held != {c.lower() for c in components}:
        return False
    if gim.functions.rebalanceInfo(plan.set_token).call()[0] != multiplier:
        return False
    return all(_execution_info(gim, plan, c)[0] == unit for c, unit in zip(components, target_units, strict=True))
