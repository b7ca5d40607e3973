"""How long until a trade step may go: GIM enforces its cool-off on chain; other routes keep the plan's."""

from __future__ import annotations

import json

from indexops.chain.abis import contract
from indexops.execution import chain_ops

GIM_TRADE = "trade(address,address,uint256)"


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
