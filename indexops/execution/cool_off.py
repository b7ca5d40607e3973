"""How long until a trade step may go: GIM enforces its cool-off on chain; other routes keep the plan's.

A leverage strategy's iterateRebalance also keeps its clock on chain: the exchange's
`exchangeLastTradeTimestamp` and the TWAP cooldown; the step waits for both that and the plan's cool-off
after the chunk before it (disengage records no time on chain, so it has the plan's alone).
"""

from __future__ import annotations

import json

from indexops.chain.abis import contract
from indexops.execution import chain_ops

GIM_TRADE = "trade(address,address,uint256)"
FLI_TIMED = ("iterateRebalance(string)",)


class CoolOffClock:
    def __init__(self, w3, plan, journal, gim: str | None):
        self.w3, self.plan, self.journal = w3, plan, journal
        self.gim = contract(w3, "GeneralIndexModule", gim) if gim else None

    def seconds_until_ready(self, step) -> int:
        """Seconds until the step may be sent: GIM's own clock for every GIM trade (a first chunk too,
        since the component may have traded in an earlier rebalance), the plan's cool-off for later chunks
        on routes that keep none on chain."""
        if step.phase != "trade":
            return 0
        if step.function == GIM_TRADE and self.gim is not None:
            return self._gim_seconds_left(self.gim, step.args["_component"])
        on_chain = self._fli_seconds_left(step) if self.plan.route == "fli" and step.function in FLI_TIMED else 0
        return max(on_chain, self._plan_seconds_left(step))

    def _plan_seconds_left(self, step) -> int:
        """The plan's own cool-off after the chunk before this one, from the time that chunk was mined."""
        if (step.chunk or 1) == 1:
            return 0
        now = chain_ops.block_timestamp(self.w3)
        previous = self._previous_chunk(step)
        if previous is None:
            return 0
        mined_at = self._mined_timestamp(previous.index)
        return 0 if mined_at is None else max(0, mined_at + previous.cool_off_after - now + 1)

    def _gim_seconds_left(self, gim, component: str) -> int:
        info = gim.functions.executionInfo(self.plan.set_token, component).call()
        _target, _max_size, cool_off, last_trade = info[:4]
        if last_trade == 0:
            return 0
        return max(0, last_trade + cool_off - chain_ops.block_timestamp(self.w3) + 1)

    def _fli_seconds_left(self, step) -> int:
        """Until the exchange's TWAP cooldown has passed (`now - exchangeLastTradeTimestamp > twapCooldownPeriod`)."""
        strategy = contract(self.w3, "FlexibleLeverageStrategyExtension", step.to)
        last_trade = strategy.functions.getExchangeSettings(step.args["_exchangeName"]).call()[1]
        if last_trade == 0:
            return 0
        cooldown = strategy.functions.getExecution().call()[2]
        return max(0, last_trade + cooldown + 1 - chain_ops.block_timestamp(self.w3))

    def _previous_chunk(self, step):
        for earlier in reversed(self.plan.steps[: step.index]):
            same_component = step.component is None or earlier.component == step.component
            if (
                earlier.phase == "trade"
                and earlier.chunk == step.chunk - 1
                and same_component
                and earlier.side == step.side
            ):
                return earlier
        return None

    def _mined_timestamp(self, index: int) -> int | None:
        attempt = self.journal.step(self.plan.content_hash, index).current
        if attempt is None or attempt.fills_json is None:
            return None
        return json.loads(attempt.fills_json).get("block_timestamp")
