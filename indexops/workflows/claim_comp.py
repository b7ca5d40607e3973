"""`indexops claim-comp PRODUCT | --all`: what a leverage token's COMP claim would collect now, and what it nets.

The COMP is the claim itself simulated in the next block (`chain.comp_claim`: COMP accrues per block, and
the stored `compAccrued` is usually 0), from the account that would send it. It is valued at the pools of
the network's COMP token (`valuation.price_in_weth`, `eth_price_usd` over a `read_snapshot` of the product
with COMP as a candidate; on the sandbox that token stands in for Compound's, which has no pool), against
the claim's gas (eth_estimateGas) at the pending base fee plus the node's tip (`read_gas_quote`). The net is
held against `[products.<key>.rewards] min_net_usd` (`Rewards()`'s default when the section is absent).

Who may call what is the contracts' rule, checked here before anything is sent:
- ClaimModule.claim: anyone when `anyoneClaim`, else only the SetToken's manager. On a BaseManager product
  the manager is a contract that lets only its adapters call modules (`interactManager` is onlyAdapter,
  not onlyOperator), so then neither an EOA nor the operator can claim.
- AirdropModule.absorb (`absorb=True`): the same with `anyoneAbsorb`. It makes COMP a position, which
  issuance then requires: a decision about the product, so it is the operator's to send (or to export for
  the operator's Safe), see `workflows.claim_send`; `require_absorb` checks all of it before the claim.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

from indexops.chain.answers import GarbageAnswer
from indexops.chain.comp_claim import CLAIM_ADAPTER, ClaimSetup, read_claim_setup, simulate_claim
from indexops.chain.keeper_inputs import read_gas_quote
from indexops.chain.leverage_reader import COMP
from indexops.chain.reader import read_snapshot
from indexops.config.loader import LoadedConfig
from indexops.config.models import Rewards
from indexops.config.selection import ProductOnNetwork, choose_network, choose_product
from indexops.errors import IndexopsError, UsageError
from indexops.execution import chain_ops
from indexops.routes.calls import Call, make_call
from indexops.routes.fli.chain import LeverReading, read_lever
from indexops.snapshot import Snapshot
from indexops.valuation import eth_price_usd, price_in_weth
from indexops.workflows.lever import require_leverage

REWARD_SYMBOL = "COMP"  # the token book entry whose pools price the claimed COMP
COMP_UNIT = 10**18
PRECISE = 10**18


@dataclass(frozen=True)
class ClaimPreview:
    """One product's claim as it would be now: plain data for the table and for `--json` (wei exact, floats too)."""

    product_key: str
    network: str
    block_number: int  # the latest block, read
    claim_block: int  # the block the claim was simulated in: the next one
    set_token: str
    caller: str
    comp: str  # the COMP the Comptroller sends
    anyone_claim: bool
    comp_held_wei: int  # held by the SetToken now (a balance, not a position unless absorbed)
    comp_claimable_wei: int  # what the simulated claim sends
    comp_held_after_wei: int
    comp_is_position: bool
    price_token: str | None  # the token whose pools priced COMP (on the sandbox a stand-in for Compound's)
    comp_price_weth: float | None
    eth_usd: float | None
    value_weth: float | None
    value_usd: float | None
    gas: int  # eth_estimateGas of the claim
    base_fee_wei: int
    priority_fee_wei: int
    gas_cost_eth: float
    gas_cost_usd: float | None
    net_weth: float | None
    net_usd: float | None
    min_net_usd: float
    meets_minimum: bool

    @property
    def comp_claimable(self) -> float:
        return self.comp_claimable_wei / COMP_UNIT

    def as_json(self) -> dict:
        return {**asdict(self), "comp_claimable": self.comp_claimable, "comp_held": self.comp_held_wei / COMP_UNIT}


@dataclass(frozen=True)
class Prepared:
    """A previewed claim and what sending it (and an absorb) needs."""

    target: ProductOnNetwork
    lever: LeverReading
    setup: ClaimSetup
    call: Call  # ClaimModule.claim(setToken, comptroller, "CompClaimAdapter")
    preview: ClaimPreview
    operator_is_contract: bool


class BelowMinimum(IndexopsError):
    """Exit 1: the claim would not pay for itself by the product's margin; nothing was sent."""

    def __init__(self, previews: Sequence[ClaimPreview], source: str):
        super().__init__("\n".join(_below(preview, source) for preview in previews))


def _below(preview: ClaimPreview, source: str) -> str:
    key = preview.product_key
    if preview.net_usd is None:
        why = f"cannot value the COMP in USD (no {REWARD_SYMBOL}/WETH or WETH/USD pool with reserves)"
    else:
        why = (
            f"the claim nets ${preview.net_usd:,.2f} after ${preview.gas_cost_usd or 0:,.2f} of gas, below the "
            f"minimum of ${preview.min_net_usd:,.2f} ({source}: products.{key}.rewards.min_net_usd)"
        )
    return f"{key}: {why}: nothing was sent; --force claims anyway"


def claim_targets(loaded: LoadedConfig, key: str | None, every: bool, network: str | None) -> list[ProductOnNetwork]:
    """PRODUCT, or with `every` each leverage product deployed on the network with a claim module."""
    if (key is None) == (not every):
        raise UsageError("give one PRODUCT or --all (every leverage product with a claim module), not both")
    if key is not None:
        target = choose_product(loaded, key, network)
        claim_module_of(target)
        return [target]
    where = choose_network(loaded, network)
    targets = [
        choose_product(loaded, name, where.name)
        for name, product in loaded.file.products.items()
        if product.kind == "leverage"
        and (deployment := product.deployments.get(where.name)) is not None
        and "claim" in deployment.modules
    ]
    if not targets:
        raise UsageError(f"{loaded.path}: no leverage product on {where.name} has modules.claim: nothing to claim")
    return targets


def claim_module_of(target: ProductOnNetwork) -> str:
    """The product's ClaimModule, or one line: not a leverage token, or no `modules.claim` on this network."""
    require_leverage(target)
    module = target.deployment.modules.get("claim")
    if module is None:
        raise UsageError(
            f"{target.where.source}: products.{target.key}.deployments.{target.where.name}.modules.claim: missing: "
            "COMP is claimed through the SetToken's ClaimModule"
        )
    return module


def prepare(connection, target: ProductOnNetwork, caller: str, *, absorb: bool = False) -> Prepared:
    """The preview of `caller`'s claim now; one line (exit 2) when the contracts would refuse it or the absorb."""
    try:
        return _prepare(connection, target, caller, absorb)
    except GarbageAnswer as garbage:
        raise UsageError(f"{target.key}: {garbage}") from None


def _prepare(connection, target: ProductOnNetwork, caller: str, absorb: bool) -> Prepared:
    claim_module = claim_module_of(target)
    lever = read_lever(connection, target)
    strategy, block = lever.reading.strategy, lever.reading.block_number
    setup = read_claim_setup(
        connection,
        block_number=block,
        set_token=strategy.set_token,
        claim_module=claim_module,
        airdrop_module=target.deployment.modules.get("airdrop"),
        comptroller=strategy.comptroller,
        comp=COMP,
    )
    require_claim(target, setup, claim_module, caller)
    operator = lever.market.operator
    operator_is_contract = bool(connection.w3.eth.get_code(operator))
    if absorb:
        require_absorb(target, setup, operator, operator_is_contract, caller)
    call = make_call(
        "ClaimModule",
        "claim",
        claim_module,
        [strategy.set_token, strategy.comptroller, CLAIM_ADAPTER],
        "keeper",  # anyone may send it (anyoneClaim), like a keeper's call: no manager role
        f"claim COMP from the Comptroller into {target.key}'s SetToken",
    )
    data = "0x" + call.data.hex()
    simulated = simulate_claim(
        connection,
        product=target.key,
        caller=caller,
        claim_module=claim_module,
        data=data,
        set_token=strategy.set_token,
        comp=COMP,
        latest_block=block,
    )
    gas = chain_ops.estimate_gas(connection.w3, caller, claim_module, data)
    quote = read_gas_quote(connection)
    snapshot = read_snapshot(connection, target, candidates=_candidates(target))
    rewards = target.product.rewards or Rewards()
    preview = _preview(
        target, lever, setup, caller, simulated.claimed, gas, quote.base_fee, quote.priority_fee, snapshot, rewards
    )
    return Prepared(target, lever, setup, call, preview, operator_is_contract)


def require_claim(target: ProductOnNetwork, setup: ClaimSetup, claim_module: str, caller: str) -> None:
    """ClaimModule's own checks, each one line: initialized, the Comptroller a reward pool, the caller allowed."""
    key = target.key
    if not setup.claim_initialized:
        raise UsageError(f"{key}: the ClaimModule {claim_module} is not initialized on the SetToken: nothing to claim")
    if not setup.comptroller_is_reward_pool or not setup.comp_claim_added:
        raise UsageError(
            f"{key}: the Comptroller is not a reward pool of the ClaimModule with {CLAIM_ADAPTER} for this SetToken "
            "(addClaim is the manager's): nothing to claim"
        )
    if setup.anyone_claim or caller.lower() == setup.manager.lower():
        return
    through = (
        " (a BaseManager: only its adapters may make it call a module, interactManager is onlyAdapter)"
        if target.deployment.manager_kind == "base-manager"
        else ""
    )
    raise UsageError(
        f"{key}: ClaimModule.anyoneClaim is false: only the SetToken's manager {setup.manager}{through} may claim, "
        f"not {caller}; nothing was sent"
    )


def require_absorb(
    target: ProductOnNetwork, setup: ClaimSetup, operator: str, operator_is_contract: bool, signer: str
) -> None:
    """AirdropModule's checks and who sends the absorb, each one line, before the claim is sent."""
    key, where = target.key, target.where
    module = target.deployment.modules.get("airdrop")
    if module is None or setup.airdrop_initialized is None:
        raise UsageError(
            f"{where.source}: products.{key}.deployments.{where.name}.modules.airdrop: missing: "
            "--absorb makes COMP a position through the SetToken's AirdropModule"
        )
    if not setup.airdrop_initialized:
        raise UsageError(f"{key}: the AirdropModule {module} is not initialized on the SetToken: --absorb cannot run")
    if not setup.comp_is_airdrop:
        raise UsageError(
            f"{key}: COMP {COMP} is not on the AirdropModule's list for the SetToken (addAirdrop is the manager's): "
            "--absorb cannot run"
        )
    if not setup.anyone_absorb:
        raise UsageError(
            f"{key}: AirdropModule.anyoneAbsorb is false: only the SetToken's manager {setup.manager} may absorb, and "
            "a BaseManager lets only its adapters make it call a module (interactManager is onlyAdapter), not its "
            "operator: --absorb cannot run; leave the COMP for the manager"
        )
    if operator_is_contract:
        from indexops.workflows.safe.chain import operator_of_record

        recorded = operator_of_record(target)  # the export's own check, before anything is sent
        if recorded.lower() != operator.lower():
            raise UsageError(
                f"{key}: the BaseManager's operator is {operator}, but products.{key}.deployments.{where.name}"
                f".operator is {recorded}: --absorb exports for the operator's Safe"
            )
        return
    if signer.lower() != operator.lower():
        raise UsageError(
            f"{key}: --absorb makes COMP a position that issuance then requires: the operator's decision, "
            f"sent from the operator {operator}, not {signer}: choose it with --account"
        )


def _candidates(target: ProductOnNetwork) -> tuple[str, ...]:
    return (REWARD_SYMBOL,) if REWARD_SYMBOL in target.where.network.tokens else ()


def _priced(target: ProductOnNetwork, snapshot: Snapshot):
    """(component, WETH per COMP) from the claimed COMP's own pools when the snapshot has them, else from the token
    book's COMP (on the sandbox a stand-in: Compound's COMP has no pool there); (None, None) when neither has one."""
    by_address = {component.address.lower(): component for component in (*snapshot.components, *snapshot.candidates)}
    book = target.where.network.tokens.get(REWARD_SYMBOL)
    for address in (COMP, book.address if book is not None else None):
        component = by_address.get(address.lower()) if address is not None else None
        price = price_in_weth(component, snapshot.weth) if component is not None else None
        if component is not None and price is not None:
            return component, price
    return None, None


def _preview(
    target: ProductOnNetwork,
    lever: LeverReading,
    setup: ClaimSetup,
    caller: str,
    claimable: int,
    gas: int,
    base_fee: int,
    priority_fee: int,
    snapshot: Snapshot,
    rewards: Rewards,
) -> ClaimPreview:
    component, price = _priced(target, snapshot)
    eth_usd = eth_price_usd(snapshot)
    gas_eth = gas * (base_fee + priority_fee) / PRECISE
    value_weth = None if price is None else claimable / COMP_UNIT * price
    net_weth = None if value_weth is None else value_weth - gas_eth
    value_usd = None if value_weth is None or eth_usd is None else value_weth * eth_usd
    gas_usd = None if eth_usd is None else gas_eth * eth_usd
    net_usd = None if value_usd is None or gas_usd is None else value_usd - gas_usd
    return ClaimPreview(
        product_key=target.key,
        network=target.where.name,
        block_number=lever.reading.block_number,
        claim_block=lever.reading.block_number + 1,
        set_token=lever.reading.strategy.set_token,
        caller=caller,
        comp=COMP,
        anyone_claim=setup.anyone_claim,
        comp_held_wei=setup.comp_held,
        comp_claimable_wei=claimable,
        comp_held_after_wei=setup.comp_held + claimable,
        comp_is_position=setup.comp_is_position,
        price_token=None if component is None else component.address,
        comp_price_weth=price,
        eth_usd=eth_usd,
        value_weth=value_weth,
        value_usd=value_usd,
        gas=gas,
        base_fee_wei=base_fee,
        priority_fee_wei=priority_fee,
        gas_cost_eth=gas_eth,
        gas_cost_usd=gas_usd,
        net_weth=net_weth,
        net_usd=net_usd,
        min_net_usd=rewards.min_net_usd,
        meets_minimum=net_usd is not None and net_usd >= rewards.min_net_usd,
    )
