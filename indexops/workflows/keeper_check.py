"""`indexops keeper check PRODUCT`: what the keeper would send now for a leverage token, and at what fee.

Reads the strategy at the latest block (`read_leverage`, the keeper's allowlist entry with it), takes
the verdict, reads the pending block's base fee and the node's tip, and applies the product's gas
policy (`[products.<key>.keeper]`, `indexops.leverage.gas_policy`). Nothing is sent. Refused with one
line (exit 2): a product that is not a leverage token or has no `extensions.fli_strategy`; a keeper
that is neither on the strategy's `callAllowList` nor let in by `anyoneCallable`; a ripcord whose cap is
below the base fee (it could not be sent at any fee the policy allows).
"""

from __future__ import annotations

from dataclasses import dataclass

from indexops.chain.keeper_inputs import read_eth_usd, read_gas_quote
from indexops.chain.leverage_reader import LeverageReading, read_leverage
from indexops.config.models import Keeper
from indexops.config.selection import ProductOnNetwork
from indexops.errors import UsageError
from indexops.leverage.gas_policy import (
    GasChoice,
    GasDecision,
    GasPolicy,
    GasQuote,
    decide_gas,
    gwei_text,
    wei_per_gas,
)
from indexops.leverage.verdict import Verdict, verdict
from indexops.workflows.leverage_status import strategy_address

PRECISE = 10**18
GWEI = 10**9
CHAINLINK_DECIMALS = 8


def gas_policy(keeper: Keeper | None) -> GasPolicy:
    """The product's keeper section as a GasPolicy (the model's defaults when the section is absent)."""
    k = keeper if keeper is not None else Keeper()
    return GasPolicy(
        routine_max=wei_per_gas(k.routine_max_gwei),
        iterate_max=wei_per_gas(k.iterate_max_gwei),
        ripcord_max=wei_per_gas(k.ripcord_max_gwei),
        max_bumps=k.max_bumps,
        bump_after_blocks=k.bump_after_blocks,
    )


@dataclass(frozen=True)
class KeeperCheck:
    """One product's decision, as plain data for a table or JSON."""

    product_key: str
    network: str
    block_number: int
    timestamp: int
    keeper: str
    leverage_ratio: float | None
    action: str
    reason: str
    detail: str
    exchange: str | None
    chunk: float | None  # collateral units moved by the call
    collateral_symbol: str
    expected_ratio: float | None
    next_possible_at: int | None
    base_fee_gwei: float
    priority_fee_gwei: float
    gas: str  # send / wait / nothing
    urgency: str
    cap_gwei: float | None
    max_fee_gwei: float | None
    priority_fee_offered_gwei: float | None
    gas_limit: int | None
    wait_until: int | None
    why: str
    at_stake_eth: float | None  # a ripcord's: the liquidation cost weighted by danger
    reward_eth: float | None

    def as_json(self) -> dict:
        from dataclasses import asdict

        return asdict(self)


def strategy_of(target: ProductOnNetwork) -> str:
    """The product's strategy extension, or one line: not a leverage token, or no `extensions.fli_strategy`."""
    if target.product.kind != "leverage":
        raise UsageError(f"{target.key}: not a leverage product (kind {target.product.kind!r}): no keeper to check")
    return strategy_address(target)


def keeper_check(target: ProductOnNetwork, connection, keeper: str) -> KeeperCheck:
    extension = strategy_of(target)
    reading = read_leverage(connection, extension, callers=[keeper])
    if not reading.anyone_callable and not reading.callers.get(keeper, False):
        raise UsageError(
            f"{target.key}: keeper {keeper} is not on the strategy's callAllowList (anyoneCallable is false): "
            "rebalance and iterateRebalance would revert; pass the allowed --account or have the operator allow it"
        )
    decision = verdict(reading.state, reading.settings, reading.exchanges)
    quote = read_gas_quote(connection)
    gas = decide_gas(
        decision,
        reading.state,
        reading.settings,
        quote,
        reading.state.timestamp,
        gas_policy(target.product.keeper),
        eth_usd=_eth_usd(target, connection, reading),
    )
    if gas.cap_below_base_fee:
        raise UsageError(
            f"{target.key}: ripcord needed but its cap {gwei_text(gas.cap)} is below the base fee "
            f"{gwei_text(quote.base_fee)}: raise products.{target.key}.keeper.ripcord_max_gwei or ripcord by hand"
        )
    return _check(target, reading, keeper, decision, quote, gas)


def _eth_usd(target: ProductOnNetwork, connection, reading: LeverageReading) -> int | None:
    """USD per ETH in precise units: the collateral's price when it is WETH, else Compound's oracle's for cETH."""
    network = target.where.network
    weth = network.tokens.get(network.weth)
    if weth is not None and weth.address.lower() == reading.strategy.collateral_asset.lower():
        return reading.state.collateral_price
    ceth = network.tokens.get("cETH")
    if ceth is None:
        return None
    return read_eth_usd(connection, reading.strategy.comptroller, ceth.address)


def _symbol(target: ProductOnNetwork, address: str) -> str:
    symbols = {token.address.lower(): symbol for symbol, token in target.where.network.tokens.items()}
    return symbols.get(address.lower(), address)


def _gwei(wei: int | None) -> float | None:
    return None if wei is None else wei / GWEI


def _check(
    target: ProductOnNetwork,
    reading: LeverageReading,
    keeper: str,
    decision: Verdict,
    quote: GasQuote,
    gas: GasDecision,
) -> KeeperCheck:
    collateral_decimals = 36 - CHAINLINK_DECIMALS - reading.strategy.collateral_adjustment
    plan, fees, stake = decision.plan, gas.fees, gas.stake
    return KeeperCheck(
        product_key=target.key,
        network=target.where.name,
        block_number=reading.block_number,
        timestamp=reading.state.timestamp,
        keeper=keeper,
        leverage_ratio=None if decision.leverage_ratio is None else decision.leverage_ratio / PRECISE,
        action=decision.action.value,
        reason=decision.reason.value,
        detail=decision.detail,
        exchange=decision.exchange,
        chunk=None if plan is None or plan.chunk is None else plan.chunk.chunk / 10**collateral_decimals,
        collateral_symbol=_symbol(target, reading.strategy.collateral_asset),
        expected_ratio=None if plan is None else plan.expected_ratio / PRECISE,
        next_possible_at=decision.next_possible_at,
        base_fee_gwei=quote.base_fee / GWEI,
        priority_fee_gwei=quote.priority_fee / GWEI,
        gas=gas.choice.value,
        urgency=gas.urgency.value,
        cap_gwei=None if gas.choice is GasChoice.NOTHING else gas.cap / GWEI,
        max_fee_gwei=_gwei(None if fees is None else fees.max_fee_per_gas),
        priority_fee_offered_gwei=_gwei(None if fees is None else fees.max_priority_fee_per_gas),
        gas_limit=gas.gas or None,
        wait_until=gas.wait_until if gas.choice is GasChoice.WAIT else None,
        why=gas.why,
        at_stake_eth=None if stake is None else stake.at_stake / PRECISE,
        reward_eth=None if stake is None else stake.reward / PRECISE,
    )
