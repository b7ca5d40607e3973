"""Where a run of the executor is: the step and what it is doing, for the line an interruption leaves."""

from __future__ import annotations

from dataclasses import dataclass

CHECKING_COOL_OFF = "checking its cool-off"
WAITING_FOR_COOL_OFF = "waiting for the cool-off"
WARPING = "moving the sandbox clock past the cool-off"
SIMULATING = "simulating it"
WAITING_FOR_GAS = "waiting for the base fee to fall under the cap"
SENDING = "signing and sending it"
WAITING_FOR_RECEIPT = "waiting for its receipt"
RECONCILING = "reconciling the transaction an earlier run left in flight"
CHECKING_SAFE = "checking on chain that the Safe executed it"


@dataclass
class Position:
    total: int  # steps in the plan
    step: int | None = None
    doing: str = CHECKING_COOL_OFF
    journaled: bool = False  # a signed transaction of this step is in the journal

    def enter(self, step: int, doing: str, *, journaled: bool = False) -> None:
        self.step, self.doing, self.journaled = step, doing, journaled

    def describe(self) -> str | None:
        """E.g. "step 5 of 42, waiting for the cool-off (nothing of it was sent)"; None before the first step."""
        if self.step is None:
            return None
        sent = "its transaction is journaled and will not be sent twice" if self.journaled else "nothing of it was sent"
        return f"step {self.step} of {self.total}, {self.doing} ({sent})"
