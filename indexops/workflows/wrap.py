"""`indexops wrap PRODUCT COMPONENT --into WRAPPED` and `indexops unwrap PRODUCT WRAPPED --into UNDERLYING`:
the position before and after, and the value moved, from the call simulated in the next block.

The units are the whole position unless `--units` says how much per set. The preview is the two positions'
units around the call simulated from the account that would send it (`chain.next_block.units_around`), valued
at the tokens' prices (`productive_values`: a cToken at its `exchangeRateStored`), so the value per set before
and after shows what the wrap costs in the adapter's rounding. What the contracts would refuse is refused first.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import Decimal, InvalidOperation

from indexops.chain.next_block import units_around
from indexops.chain.productive import Held, ProductiveState, read_productive
from indexops.config.selection import ProductOnNetwork
from indexops.errors import UsageError
from indexops.rewards.checks import Refused
from indexops.rewards.tokens import addresses_to_read, resolve
from indexops.rewards.wrap import WRAP_ADAPTER, check_wrap, wrap_step
from indexops.routes.steps import PlannedStep
from indexops.workflows.productive_values import Prices, read_prices

PRECISE = 10**18


@dataclass(frozen=True)
class Leg:
    """One side of the wrap: a token's position per set before and after, and its USD price."""

    token: str
    symbol: str
    decimals: int
    unit_before: int
    unit_after: int
    price_usd: float | None

    def value(self, unit: int) -> float | None:
        return None if self.price_usd is None else unit / 10**self.decimals * self.price_usd


@dataclass(frozen=True)
class WrapPreview:
    action: str  # "wrap" or "unwrap"
    integration: str
    units: int  # of `source` per set, base units
    source: Leg
    into: Leg
    total_supply: int
    value_moved_per_set_usd: float | None  # what the source units moved are worth
    value_per_set_before_usd: float | None  # of the two positions together
    value_per_set_after_usd: float | None
    gas: int

    @property
    def value_moved_usd(self) -> float | None:
        moved = self.value_moved_per_set_usd
        return None if moved is None else moved * self.total_supply / PRECISE

    def as_json(self) -> dict:
        return {**asdict(self), "value_moved_usd": self.value_moved_usd}


@dataclass(frozen=True)
class Prepared:
    target: ProductOnNetwork
    state: ProductiveState
    prices: Prices
    caller: str
    steps: tuple[PlannedStep, ...]
    preview: WrapPreview

    def as_json(self) -> dict:
        return {
            "product": self.target.key,
            "network": self.target.where.name,
            "set_token": self.state.set_token,
            "block_number": self.state.block_number,
            "simulated_in_block": self.state.block_number + 1,
            "caller": self.caller,
            **self.preview.as_json(),
        }


def prepare(
    connection,
    target: ProductOnNetwork,
    source_name: str,
    into_name: str,
    caller: str,
    *,
    unwrap: bool = False,
    units: str | None = None,
    integration: str = WRAP_ADAPTER,
) -> Prepared:
    """Wrap `source_name` into `into_name` (or unwrap it) for `caller`, checked and simulated; nothing is sent."""
    action = "unwrap" if unwrap else "wrap"
    state = read_productive(connection, target, tokens=addresses_to_read(target, [source_name, into_name]))
    source, into = resolve(target, state, source_name), resolve(target, state, into_name)
    amount = source.unit if units is None else parse_units(units, source)
    check_wrap(target, state, source, into, amount, caller, action)
    network = target.where.network
    weth = network.tokens[network.weth].address
    step = wrap_step(target, state, source, into, amount, integration, weth, unwrap=unwrap)
    call = {"from": caller, "to": step.call.to, "data": "0x" + step.call.data.hex()}
    around = units_around(connection, state.set_token, [source.address, into.address], [call], state.block_number)
    (result,) = around.calls
    if not result.ok:
        raise Refused(target.key, f"WrapExtension.{action} would revert: {result.reason}")
    prices = read_prices(connection, target, [source, into])
    legs = [_leg(token, around.before, around.after, prices) for token in (source, into)]
    preview = _preview(action, integration, amount, legs[0], legs[1], state.total_supply, result.gas_used)
    return Prepared(target, state, prices, caller, (step,), preview)


def parse_units(text: str, token: Held) -> int:
    """`--units` as base units per set: a decimal amount of the token, no finer than its decimals."""
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise UsageError(f"--units {text!r}: not a number") from None
    if not amount.is_finite() or amount <= 0:
        raise UsageError(f"--units {text!r}: give a positive amount of {token.symbol} per set")
    base = amount * 10**token.decimals
    if base != base.to_integral_value():
        raise UsageError(f"--units {text!r}: {token.symbol} has {token.decimals} decimals")
    return int(base)


def _leg(token: Held, before: dict, after: dict, prices: Prices) -> Leg:
    return Leg(
        token=token.address,
        symbol=token.symbol,
        decimals=token.decimals,
        unit_before=before[token.address],
        unit_after=after[token.address],
        price_usd=prices.usd.get(token.address),
    )


def _preview(action: str, integration: str, units: int, source: Leg, into: Leg, supply: int, gas: int) -> WrapPreview:
    def total(unit_of) -> float | None:
        values = [source.value(unit_of(source)), into.value(unit_of(into))]
        return None if None in values else sum(v for v in values if v is not None)

    return WrapPreview(
        action=action,
        integration=integration,
        units=units,
        source=source,
        into=into,
        total_supply=supply,
        value_moved_per_set_usd=source.value(units),
        value_per_set_before_usd=total(lambda leg: leg.unit_before),
        value_per_set_after_usd=total(lambda leg: leg.unit_after),
        gas=gas,
    )
