"""`indexops keeper check PRODUCT`: what the keeper would send now for a leverage token, and at what fee.

`decide` is the one decision `keeper check` and `keeper run` share: it reads the strategy at the latest
block (`read_leverage`, the keeper's allowlist entry with it) and the pending block's base fee and the
node's tip, takes the verdict and applies the product's gas policy (`[products.<key>.keeper]`,
`indexops.leverage.gas_policy`). Nothing is sent. Refused with one line (exit 2): a product that is not a
leverage token or has no `extensions.fli_strategy`; a keeper that is neither on the strategy's
`callAllowList` nor let in by `anyoneCallable`; an RPC answering garbage; and (`affordable`) a ripcord
whose cap is below the base fee (it could not be sent at any fee the policy allows).
"""

from __future__ import annotations

from dataclasses import dataclass

from indexops.chain.answers import GarbageAnswer
from indexops.chain.keeper_inputs import eth_usd, read_gas_quote
from indexops.chain.leverage_quotes import ExchangeQuoter, QuoteRequest
from indexops.chain.leverage_reader import LeverageReading, read_leverage
from indexops.config.models import Keeper
from indexops.config.selection import ProductOnNetwork
from indexops.errors import UsageError
from indexops.leverage.exchange_choice import ExchangeCost, cheapest, exchange_costs, gas_in_usd
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
    at_stake_eth: float | None  # a ripcord's: the liquidation cost weighted by danger and the over-exposure
    reward_eth: float | None
    exchange_costs: list[dict]  # each quoted exchange: what it would give, whether that fills, cost (USD) net of gas

    def as_json(self) -> dict:
        from dataclasses import asdict

        return asdict(self)


def strategy_of(target: ProductOnNetwork) -> str:
    """The product's strategy extension, or one line: not a leverage token, or no `extensions.fli_strategy`."""
    if target.product.kind != "leverage":
        raise UsageError(f"{target.key}: not a leverage product (kind {target.product.kind!r}): no keeper to check")
    return strategy_address(target)


@dataclass(frozen=True)
class Decision:
    """One product's decision: the strategy read, the verdict, the fee quote and the gas policy's answer."""

    reading: LeverageReading
    verdict: Verdict
    quote: GasQuote
    gas: GasDecision
    eth_usd: int | None = None  # USD per ETH in precise units, as the gas policy priced it
    exchange_costs: tuple[ExchangeCost, ...] = ()  # the exchanges compared for the call, when there were several

    @property
    def block(self) -> int:
        return self.reading.block_number


def decide(
    target: ProductOnNetwork,
    extension: str,
    policy: GasPolicy,
    connection,
    keeper: str,
    quoter: ExchangeQuoter | None = None,
) -> Decision:
    """The product's decision at the latest block, for `keeper` as the caller."""
    try:
        reading = read_leverage(connection, extension, callers=[keeper])
        quote = read_gas_quote(connection)
    except GarbageAnswer as garbage:
        raise UsageError(f"{target.key}: {garbage}") from None
    if not reading.anyone_callable and not reading.callers.get(keeper, False):
        raise UsageError(
            f"{target.key}: keeper {keeper} is not on the strategy's callAllowList (anyoneCallable is false): "
            "rebalance and iterateRebalance would revert; pass the allowed --account or have the operator allow it"
        )
    price = eth_usd(target.where.network, connection, reading)
    found, costs = _on_the_cheapest_exchange(
        verdict(reading.state, reading.settings, reading.exchanges), reading, quote, policy, price, connection, quoter
    )
    gas = decide_gas(found, reading.state, reading.settings, quote, reading.state.timestamp, policy, eth_usd=price)
    return Decision(reading, found, quote, gas, price, costs)


def _on_the_cheapest_exchange(
    found: Verdict,
    reading: LeverageReading,
    quote: GasQuote,
    policy: GasPolicy,
    price: int | None,
    connection,
    quoter: ExchangeQuoter | None,
) -> tuple[Verdict, tuple[ExchangeCost, ...]]:
    """The verdict moved to the exchange whose quote costs least per unit moved, net of gas, when two or more
    exchanges could take the call; with the costs compared."""
    trades = {o.exchange: o.check.plan.trade for o in found.options if o.ok and o.check.plan and o.check.plan.trade}
    if len(trades) < 2:
        return found, ()
    strategy = reading.strategy
    requests = {}
    for exchange, trade in trades.items():
        sell, buy = (
            (strategy.borrow_asset, strategy.collateral_asset)
            if trade.is_lever
            else (strategy.collateral_asset, strategy.borrow_asset)
        )
        requests[exchange] = QuoteRequest(trade.send_notional, sell, buy)
    quoted = (quoter or ExchangeQuoter()).quotes(connection, strategy.leverage_module, reading.block_number, requests)
    gas_usd = gas_in_usd(policy.gas_for(found.action), quote.base_fee, price)
    costs = exchange_costs(found.options, quoted, reading.state, gas_usd)
    return cheapest(found, costs), tuple(costs)


def affordable(key: str, decision: Decision) -> Decision:
    """The decision, unless it is a ripcord whose cap is below the base fee: then one line saying what to raise."""
    gas = decision.gas
    if gas.cap_below_base_fee:
        raise UsageError(
            f"{key}: ripcord needed but its cap {gwei_text(gas.cap)} is below the base fee "
            f"{gwei_text(decision.quote.base_fee)}: raise products.{key}.keeper.ripcord_max_gwei or ripcord by hand"
        )
    return decision


def keeper_check(target: ProductOnNetwork, connection, keeper: str) -> KeeperCheck:
    policy = gas_policy(target.product.keeper)
    decision = affordable(target.key, decide(target, strategy_of(target), policy, connection, keeper))
    return _check(target, keeper, decision)


def _symbol(target: ProductOnNetwork, address: str) -> str:
    symbols = {token.address.lower(): symbol for symbol, token in target.where.network.tokens.items()}
    return symbols.get(address.lower(), address)


def _gwei(wei: int | None) -> float | None:
    return None if wei is None else wei / GWEI


def _check(target: ProductOnNetwork, keeper: str, decision: Decision) -> KeeperCheck:
    reading, found, quote, gas = decision.reading, decision.verdict, decision.quote, decision.gas
    collateral_decimals = 36 - CHAINLINK_DECIMALS - reading.strategy.collateral_adjustment
    plan, fees, stake = found.plan, gas.fees, gas.stake
    return KeeperCheck(
        product_key=target.key,
        network=target.where.name,
        block_number=reading.block_number,
        timestamp=reading.state.timestamp,
        keeper=keeper,
        leverage_ratio=None if found.leverage_ratio is None else found.leverage_ratio / PRECISE,
        action=found.action.value,
        reason=found.reason.value,
        detail=found.detail,
        exchange=found.exchange,
        chunk=None if plan is None or plan.chunk is None else plan.chunk.chunk / 10**collateral_decimals,
        collateral_symbol=_symbol(target, reading.strategy.collateral_asset),
        expected_ratio=None if plan is None else plan.expected_ratio / PRECISE,
        next_possible_at=found.next_possible_at,
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
        exchange_costs=[
            {"exchange": c.exchange, "receive": c.receive, "fills": c.fills, "cost_usd": c.cost_usd / PRECISE}
            for c in decision.exchange_costs
        ],
    )
