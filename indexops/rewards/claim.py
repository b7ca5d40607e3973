"""Claiming a productive index's rewards, then absorbing them, as two calls.

ClaimExtension has no claim of its own: `claimAndAbsorb` claims and absorbs in one call, and the batched
`batchClaimAndAbsorb` re-absorbs every token any earlier call claimed (its list sits in storage slot 0 and is
never cleared), so neither is used. The claim is ClaimModule.claim, which a DelegatedManager product's
operator can make only when the module lets anyone claim (`anyoneClaim`; the reward goes to the SetToken
whoever claims). The claimed tokens are a balance, not a position, until ClaimExtension.absorb (the
operator's, unless AirdropModule lets anyone absorb) makes each a position that issuance then requires.
"""

from __future__ import annotations

from collections.abc import Sequence

from indexops.chain.productive import Held, ProductiveState, RewardPool
from indexops.config.selection import ProductOnNetwork
from indexops.rewards.checks import Refused, configured, require_manager_allows, require_module, require_operator
from indexops.routes.calls import make_call
from indexops.routes.steps import PlannedStep

CLAIM_GAS = 350_000  # ClaimModule.claim of COMP used 0.24-0.32 M gas on the sandbox
ABSORB_GAS = 250_000  # ClaimExtension.absorb through the manager, a new position included


def check_claim(target: ProductOnNetwork, state: ProductiveState, integration: str) -> tuple[RewardPool, ...]:
    """The reward pools to claim from, or one line saying why ClaimModule would not let the operator claim."""
    require_module(target, state, "claim")
    if not state.pools:
        raise Refused(target.key, f"no reward pool of its ClaimModule claims through {integration}: nothing to claim")
    if not state.anyone_claim:
        extension = target.deployment.extensions.get("claim", "its ClaimExtension")
        raise Refused(
            target.key,
            "ClaimModule.anyoneClaim is false, so only the DelegatedManager may claim, and the only extension call "
            "that makes it claim also absorbs (claimAndAbsorb; never the batched one): to claim, then absorb, its "
            f"owner calls ClaimExtension({extension}).updateAnyoneClaim({state.set_token}, true)",
        )
    return state.pools


def claim_steps(target: ProductOnNetwork, state: ProductiveState, claimable: Sequence[int]) -> list[PlannedStep]:
    module = configured(target, "modules", "claim")
    steps = []
    for pool, amount in zip(state.pools, claimable, strict=True):
        token = state.held(pool.token)
        call = make_call(
            "ClaimModule",
            "claim",
            module,
            [state.set_token, pool.pool, pool.integration],
            "operator",
            f"claim {token.symbol} from reward pool {pool.pool} into {target.key}'s SetToken, as a balance",
        )
        steps.append(PlannedStep(call=call, phase="finish", gas_estimate=CLAIM_GAS, expected={"claimed": amount}))
    return steps


def check_absorb(target: ProductOnNetwork, state: ProductiveState, tokens: Sequence[Held], signer: str) -> None:
    """AirdropModule's and the manager's rules for absorbing each token, each broken one a line."""
    require_module(target, state, "airdrop")
    require_manager_allows(target, state, "claim", tokens)
    if not state.anyone_absorb:
        require_operator(target, state, signer, "ClaimExtension.absorb")
    extension = configured(target, "extensions", "claim")
    for token in tokens:
        if not token.airdrop:
            raise Refused(
                target.key,
                f"{token.symbol} ({token.address}) is not on its AirdropModule's list: its owner adds it with "
                f"ClaimExtension({extension}).addAirdrop({state.set_token}, {token.address})",
            )
        if token.balance <= token.unit * state.total_supply // 10**18:
            raise Refused(target.key, f"its SetToken holds no {token.symbol} beyond its position: nothing to absorb")


def absorb_steps(target: ProductOnNetwork, state: ProductiveState, tokens: Sequence[Held]) -> list[PlannedStep]:
    extension = configured(target, "extensions", "claim")
    return [
        PlannedStep(
            call=make_call(
                "delegated/ClaimExtension",
                "absorb",
                extension,
                [state.set_token, token.address],
                "operator",
                f"absorb the {token.symbol} {target.key}'s SetToken holds as a position (issuance then requires it)",
            ),
            phase="finish",
            gas_estimate=ABSORB_GAS,
            component=token.symbol,
        )
        for token in tokens
    ]
