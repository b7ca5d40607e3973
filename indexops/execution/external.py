"""Steps a Safe sends instead of the executor: which they are, and whether their effect is on chain.

`execute` never signs a step whose role the product's Safe holds. Once the Safe has executed it,
the executor checks its effect on chain and journals it as `external`. Only effects that can be
read back are accepted: the GIM route's GIMExtension set-up (trade maximums, exchanges, cool-off
periods, exchange data, trader status) and `startRebalanceWithUnits`, a leverage strategy's settings and
exchanges, and its engage / disengage chunks by the receipt of the Safe transaction that made them (they
store nothing to read back); any other Safe step is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from eth_utils import keccak

from indexops.chain.abis import contract
from indexops.errors import UsageError

# GIMExtension setter -> the field of GeneralIndexModule.executionInfo it sets
EXECUTION_INFO_FIELD = {"setTradeMaximums": 1, "setCoolOffPeriods": 2, "setExchanges": 4, "setExchangeData": 5}
# a leverage strategy's settings setter -> its getter; its engage / disengage -> the event it emits
FLI_GETTERS = {
    "setMethodologySettings": "getMethodology",
    "setExecutionSettings": "getExecution",
    "setIncentiveSettings": "getIncentive",
}
FLI_EVENTS = {
    "engage": keccak(text="Engaged(uint256,uint256,uint256,uint256)"),
    "disengage": keccak(text="Disengaged(uint256,uint256,uint256,uint256)"),
}


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


class SafeTxHashNeeded(UsageError):
    def __init__(self, index: int, function: str, safe: str):
        super().__init__(
            f"step {index} ({function}) is sent by the Safe {safe} and leaves no trace in the strategy's storage: "
            "give the transaction that executed it with --safe-file (the sidecar's executedIn) or --safe-tx"
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
        if plan.route == "fli":
            return fli_in_place(w3, step, self.safe, self.tx_hash_for(plan, step))
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
        name = step.function.split("(")[0]
        if plan.route == "fli" and name in FLI_EVENTS and self.tx_hash_for(plan, step) is None:
            raise SafeTxHashNeeded(step.index, name, self.safe)
        if not self.in_place(w3, plan, step):
            raise SafeMustExecuteFirst(step.index, self.safe, self.plan_file)
        return self.tx_hash_for(plan, step), f"executed by the Safe {self.safe}; its effect checked on chain"


def fli_in_place(w3, step, safe: str, tx_hash: str | None) -> bool:
    """A leverage strategy's operator call made by the Safe: settings and exchanges read back from the strategy;
    an engage or disengage chunk (which stores nothing to read back) by its transaction's receipt."""
    name, strategy = step.function.split("(")[0], contract(w3, "FlexibleLeverageStrategyExtension", step.to)
    functions = strategy.functions
    if name in FLI_GETTERS:
        (new,) = step.args.values()
        return list(getattr(functions, FLI_GETTERS[name])().call()) == list(new)
    if name in ("addEnabledExchange", "updateEnabledExchange"):
        held = functions.getExchangeSettings(step.args["_exchangeName"]).call()
        wanted = step.args["_exchangeSettings"]
        return [held[0], held[2], "0x" + bytes(held[3]).hex(), "0x" + bytes(held[4]).hex()] == [
            wanted[0],
            wanted[2],
            wanted[3],
            wanted[4],
        ]
    if name == "removeEnabledExchange":
        return functions.getExchangeSettings(step.args["_exchangeName"]).call()[0] == 0
    if name not in FLI_EVENTS:
        raise CannotVerify(step.index, step.function, safe)
    if tx_hash is None:
        return False
    try:
        receipt = w3.eth.get_transaction_receipt(tx_hash)
    except Exception:  # web3 raises TransactionNotFound (and others) for a hash it has no receipt of
        return False
    topic = FLI_EVENTS[name]
    return (
        receipt["status"] == 1
        and str(receipt["to"]).lower() == safe.lower()
        and any(
            str(log["address"]).lower() == step.to.lower() and log["topics"] and bytes(log["topics"][0]) == topic
            for log in receipt["logs"]
        )
    )


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
