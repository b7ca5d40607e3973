"""Wrapping a component into a yield-bearing token, and back, through WrapExtension and WrapModuleV2.

Units are per-set position units, as WrapModuleV2 takes them (it multiplies by the supply, rounding down).
WETH is wrapped with `wrapWithEther` (the adapter is given Ether) and comes back with `unwrapWithEther`;
every other token with `wrap` / `unwrap`. The token a call leaves the SetToken holding must be an allowed
asset of the manager, the operator sends it, and WrapModuleV2 refuses a unit above the position
("Unit cant be greater than existing") or one that is not a position ("Target default position must be
component"): all checked here first.
"""

from __future__ import annotations

from indexops.chain.productive import Held, ProductiveState
from indexops.config.selection import ProductOnNetwork
from indexops.rewards.checks import Refused, human, require_manager_allows, require_module, require_operator
from indexops.routes.calls import make_call
from indexops.routes.steps import PlannedStep

WRAP_ADAPTER = "CompoundWrapV2Adapter"  # Set's name for it in the IntegrationRegistry, the default integration
WRAP_GAS = 400_000  # a cToken mint or redeem through the manager, the new position included
EXTENSION_ABI = "delegated/WrapExtension"


def check_wrap(
    target: ProductOnNetwork, state: ProductiveState, source: Held, into: Held, units: int, signer: str, verb: str
) -> None:
    require_module(target, state, "wrap")
    require_manager_allows(target, state, "wrap", [into])
    require_operator(target, state, signer, f"WrapExtension.{verb}")
    if source.address == into.address:
        raise Refused(target.key, f"{verb} {source.symbol} into itself")
    if source.unit <= 0:
        raise Refused(target.key, f"{source.symbol} is not one of its positions: nothing to {verb}")
    if units <= 0:
        raise Refused(target.key, f"{verb} needs a positive number of units per set")
    if units > source.unit:
        raise Refused(
            target.key,
            f"{human(units, source.decimals)} {source.symbol} per set is above its position of "
            f"{human(source.unit, source.decimals)} (WrapModuleV2: Unit cant be greater than existing)",
        )


def wrap_step(
    target: ProductOnNetwork,
    state: ProductiveState,
    source: Held,
    into: Held,
    units: int,
    integration: str,
    weth: str,
    *,
    unwrap: bool = False,
) -> PlannedStep:
    """WrapExtension's call for `units` of `source` per set into `into`: wrap (wrapWithEther from WETH), or with
    `unwrap` unwrap (unwrapWithEther into WETH)."""
    verb = "unwrap" if unwrap else "wrap"
    ether = (into if unwrap else source).address == weth
    underlying, wrapped = (into, source) if unwrap else (source, into)
    pair = [wrapped.address] if ether else [underlying.address, wrapped.address]
    call = make_call(
        EXTENSION_ABI,
        f"{verb}WithEther" if ether else verb,
        target.deployment.extensions["wrap"],
        [state.set_token, *pair, units, integration, b""],
        "operator",
        f"{verb} {human(units, source.decimals)} {source.symbol} per set of {target.key} into {into.symbol}",
    )
    return PlannedStep(call=call, phase="finish", gas_estimate=WRAP_GAS, component=source.symbol)
