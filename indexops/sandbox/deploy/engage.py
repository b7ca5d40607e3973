"""Lever a new leverage token to its target ratio the way its operator and keeper would: `engage`, then
`iterateRebalance` until the TWAP is done, alternating exchanges, with the market restoring the pools
to the feeds' price between chunks and the clock moved past an exchange's cooldown when it applies.
"""

from __future__ import annotations

from collections.abc import Callable

from indexops.errors import SandboxError
from indexops.sandbox.deployer import Deployer

MAX_CHUNKS = 60


def engage_to_target(d: Deployer, strategy, operator: str, keeper: str, restore_pools: Callable[[], None]) -> int:
    """Engage and iterate until the strategy is out of its TWAP; returns the number of chunks traded."""
    names = strategy.functions.getEnabledExchanges().call()
    methodology = strategy.functions.getMethodology().call()
    minimum, maximum = methodology[1], methodology[2]
    cooldown = strategy.functions.getExecution().call()[2]
    d.send(strategy.functions.engage(names[0]), sender=operator)
    chunks = 1
    while strategy.functions.twapLeverageRatio().call():
        if chunks >= MAX_CHUNKS:
            raise SandboxError(
                f"sandbox deployment step failed: engage did not reach the target in {MAX_CHUNKS} chunks"
            )
        restore_pools()
        name = names[chunks % len(names)]
        ratio = strategy.functions.getCurrentLeverageRatio().call()
        if minimum <= ratio <= maximum:  # inside the band the exchange's cooldown applies
            _wait_for_cooldown(d, strategy, name, cooldown)
        d.send(strategy.functions.iterateRebalance(name), sender=keeper)
        chunks += 1
    restore_pools()
    return chunks


def _wait_for_cooldown(d: Deployer, strategy, name: str, cooldown: int) -> None:
    last_trade = strategy.functions.getExchangeSettings(name).call()[1]
    now = d.w3.eth.get_block("latest")["timestamp"]
    if now - last_trade <= cooldown:
        d.w3.provider.make_request("evm_increaseTime", [cooldown + 1 - (now - last_trade)])
