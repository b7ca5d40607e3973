"""Run a plan's steps on the sandbox as a market would let them run: from unlocked dev accounts,
with the arbitrageur restoring the pools and the clock passing the cool-off between rounds of chunks.

For tests and benchmarks of plans; operators execute with `indexops execute`.
"""

from __future__ import annotations

from indexops.errors import SandboxError
from indexops.sandbox.arbitrage import Arbitrageur

STEP_GAS = 3_000_000


def replay(w3, steps, senders: dict[str, str], arbitrageur: Arbitrageur, cool_off: int = 600) -> list:
    """Send each step; returns (step, receipt) pairs. Rounds are (chunk, side) groups of trade steps."""
    reference = arbitrageur.reference()
    done, previous = [], None
    for step in steps:
        if step.phase == "trade" and previous is not None and (step.chunk, step.side) != previous:
            arbitrageur.restore(reference)
            w3.provider.make_request("evm_increaseTime", [cool_off])
            w3.provider.make_request("evm_mine", [])
        previous = (step.chunk, step.side) if step.phase == "trade" else None
        tx = w3.eth.send_transaction(
            {"from": senders[step.signer_role], "to": step.to, "data": step.data, "gas": STEP_GAS}
        )
        receipt = w3.eth.wait_for_transaction_receipt(tx, timeout=30, poll_latency=0.01)
        if receipt.status != 1:
            raise SandboxError(f"step {step.index} reverted: {step.description}")
        done.append((step, receipt))
    arbitrageur.restore(reference)
    return done
