"""`indexops rewards claim|absorb PRODUCT`: what a productive index's reward claim would collect, what absorbing
a token would make its position, each simulated in the next block from the account that would send it.

The claim is ClaimModule.claim per reward pool (`rewards.claim`), its preview the SetToken's balance of the
pool's token around the claim simulated (`chain.comp_claim.simulate_claim`): what a claim mined next sends, to
the wei. The absorb is ClaimExtension.absorb per token, its preview the position unit around the absorbs
simulated (`chain.next_block.units_around`). Everything a contract would refuse is refused first, one line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

from indexops.chain.comp_claim import CLAIM_ADAPTER, simulate_claim
from indexops.chain.next_block import units_around
from indexops.chain.productive import ProductiveState, read_productive
from indexops.config.selection import ProductOnNetwork
from indexops.rewards.checks import Refused
from indexops.rewards.claim import absorb_steps, check_absorb, check_claim, claim_steps
from indexops.rewards.tokens import addresses_to_read, resolve
from indexops.routes.steps import PlannedStep
from indexops.workflows.productive_values import Prices, read_prices

PRECISE = 10**18


@dataclass(frozen=True)
class ClaimPreview:
    pool: str
    integration: str
    token: str
    symbol: str
    decimals: int
    held_wei: int  # the SetToken's balance now: not a position unless absorbed
    claimable_wei: int  # what the claim simulated in the next block sends
    held_after_wei: int
    value_usd: float | None
    priced_as: str | None  # the token book symbol whose pools priced it, when it has none of its own
    gas: int


@dataclass(frozen=True)
class AbsorbPreview:
    token: str
    symbol: str
    decimals: int
    balance_wei: int
    unit_before: int  # per set, base units
    unit_after: int
    value_per_set_usd: float | None  # of the position after
    priced_as: str | None


@dataclass(frozen=True)
class Prepared:
    """A previewed claim or absorb: the product, what was read, the plan's steps and the preview."""

    target: ProductOnNetwork
    state: ProductiveState
    prices: Prices
    caller: str
    steps: tuple[PlannedStep, ...]
    claims: tuple[ClaimPreview, ...] = ()
    absorbs: tuple[AbsorbPreview, ...] = ()

    @property
    def claim_block(self) -> int:
        return self.state.block_number + 1

    def as_json(self) -> dict:
        return {
            "product": self.target.key,
            "network": self.target.where.name,
            "set_token": self.state.set_token,
            "block_number": self.state.block_number,
            "simulated_in_block": self.claim_block,
            "caller": self.caller,
            "total_supply": self.state.total_supply,
            "claims": [asdict(c) for c in self.claims],
            "absorbs": [asdict(a) for a in self.absorbs],
        }


def prepare_claim(connection, target: ProductOnNetwork, caller: str, integration: str = CLAIM_ADAPTER) -> Prepared:
    state = read_productive(connection, target, integration=integration)
    pools = check_claim(target, state, integration)
    steps = claim_steps(target, state, [0] * len(pools))
    previews = []
    for pool, step in zip(pools, steps, strict=True):
        token = state.held(pool.token)
        simulated = simulate_claim(
            connection,
            product=target.key,
            caller=caller,
            claim_module=step.call.to,
            data="0x" + step.call.data.hex(),
            set_token=state.set_token,
            comp=token.address,
            latest_block=state.block_number,
        )
        previews.append((pool, token, simulated))
    prices = read_prices(connection, target, [token for _, token, _ in previews])
    claims = tuple(
        ClaimPreview(
            pool=pool.pool,
            integration=pool.integration,
            token=token.address,
            symbol=token.symbol,
            decimals=token.decimals,
            held_wei=simulated.held_before,
            claimable_wei=simulated.claimed,
            held_after_wei=simulated.held_after,
            value_usd=prices.value_usd(token, simulated.claimed),
            priced_as=prices.stand_ins.get(token.address),
            gas=simulated.gas_used,
        )
        for pool, token, simulated in previews
    )
    steps = claim_steps(target, state, [c.claimable_wei for c in claims])
    return Prepared(target, state, prices, caller, tuple(steps), claims=claims)


def prepare_absorb(connection, target: ProductOnNetwork, names: Sequence[str], caller: str) -> Prepared:
    state = read_productive(connection, target, tokens=addresses_to_read(target, names))
    tokens = list({token.address: token for token in (resolve(target, state, name) for name in names)}.values())
    check_absorb(target, state, tokens, caller)
    steps = absorb_steps(target, state, tokens)
    calls = [{"from": caller, "to": s.call.to, "data": "0x" + s.call.data.hex()} for s in steps]
    around = units_around(connection, state.set_token, [t.address for t in tokens], calls, state.block_number)
    for step, result in zip(steps, around.calls, strict=True):
        if not result.ok:
            raise Refused(target.key, f"{step.call.description} would revert: {result.reason}")
    prices = read_prices(connection, target, tokens)
    absorbs = tuple(
        AbsorbPreview(
            token=token.address,
            symbol=token.symbol,
            decimals=token.decimals,
            balance_wei=token.balance,
            unit_before=around.before[token.address],
            unit_after=around.after[token.address],
            value_per_set_usd=prices.value_usd(token, around.after[token.address]),
            priced_as=prices.stand_ins.get(token.address),
        )
        for token in tokens
    )
    return Prepared(target, state, prices, caller, tuple(steps), absorbs=absorbs)
