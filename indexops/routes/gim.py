"""The base-manager route: the operator sets GIM up through GIMExtension, an allowed trader calls GIM.trade.

Only what differs from the chain's current `executionInfo` is set, so a plan made twice from the
same state proposes no redundant operator transactions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from indexops.planning.chunk_pricing import VenuesPerChunk
from indexops.routes.calls import Call, make_call
from indexops.routes.route import GasProfile
from indexops.routes.steps import PlannedStep, trade_rounds
from indexops.snapshot import GimExecution


@dataclass(frozen=True)
class GimComponentTarget:
    """What the plan wants GIM to hold and how to trade it, for one component."""

    address: str
    symbol: str
    target_unit: int
    max_size: int
    exchange: str
    cool_off: int
    exchange_data: bytes = b""


# GIMExtension setter, what it sets, the target's value for it, and how to compare with executionInfo
SETTINGS = (
    ("setTradeMaximums", "trade maximums", lambda t: t.max_size, lambda t, now: t.max_size != now.max_size),
    ("setExchanges", "exchanges", lambda t: t.exchange, lambda t, now: t.exchange != now.exchange),
    ("setCoolOffPeriods", "cool-off periods", lambda t: t.cool_off, lambda t, now: t.cool_off != now.cool_off),
    (
        "setExchangeData",
        "exchange data",
        lambda t: t.exchange_data,
        lambda t, now: t.exchange_data != now.exchange_data,
    ),
)


def setup_calls(
    extension: str,
    targets: Sequence[GimComponentTarget],
    current: Mapping[str, GimExecution | None],
    position_multiplier: int,
    traders_to_allow: Sequence[str] = (),
    weth: str | None = None,
) -> list[Call]:
    """The operator's calls: trade settings that changed, traders to allow, then startRebalanceWithUnits."""
    traded = [t for t in targets if t.address != weth]
    calls = []
    for function, what, value, differs in SETTINGS:
        changed = _changed(traded, current, differs)
        if changed:
            calls.append(
                make_call(
                    "GIMExtension",
                    function,
                    extension,
                    [[t.address for t in changed], [value(t) for t in changed]],
                    "operator",
                    f"set {what} of {_names(changed)}",
                )
            )
    if traders_to_allow:
        calls.append(
            make_call(
                "GIMExtension",
                "setTraderStatus",
                extension,
                [list(traders_to_allow), [True] * len(traders_to_allow)],
                "operator",
                f"allow {len(traders_to_allow)} trader(s) to call GIM.trade",
            )
        )
    calls.append(
        make_call(
            "GIMExtension",
            "startRebalanceWithUnits",
            extension,
            [[t.address for t in targets], [t.target_unit for t in targets], position_multiplier],
            "operator",
            f"start the rebalance towards new units of {len(targets)} components",
        )
    )
    return calls


def trade_call(
    gim: str, set_token: str, component: str, symbol: str, side: str, eth_quantity_limit: int, chunk: int, chunks: int
) -> Call:
    """One GIM trade by an allowed trader; the limit is min WETH received (sell) or max WETH spent (buy)."""
    bound = "receive at least" if side == "sell" else "spend at most"
    return make_call(
        "GeneralIndexModule",
        "trade",
        gim,
        [set_token, component, eth_quantity_limit],
        "trader",
        f"{side} {symbol} chunk {chunk}/{chunks}: {bound} {eth_quantity_limit / 1e18:.6g} WETH",
    )


def _changed(targets, current, differs) -> list[GimComponentTarget]:
    out = []
    for target in targets:
        now = current.get(target.address)
        if now is None or differs(target, now):
            out.append(target)
    return out


def _traded_exchange_data(
    venue: str,
    adapter: str,
    symbol: str,
    now: GimExecution | None,
    configured: Mapping[str, bytes],
    venue_data: Mapping[str, bytes],
) -> bytes:
    """The venue's own data, else the configured data, else GIM's current data if it stays on the same adapter
    (another adapter's data, such as a V3 fee tier, would make this one revert)."""
    if venue in venue_data:
        return venue_data[venue]
    if symbol in configured:
        return configured[symbol]
    return now.exchange_data if now is not None and now.exchange == adapter else b""


def _names(targets: Sequence[GimComponentTarget]) -> str:
    names = [t.symbol for t in targets]
    return ", ".join(names) if len(names) <= 4 else f"{', '.join(names[:4])} and {len(names) - 4} more"


GAS = GasProfile(per_trade=300_000)  # a GIM trade through a Uniswap V2 adapter uses about 270-350 k
SETUP_GAS_BASE, SETUP_GAS_PER_COMPONENT = 60_000, 30_000


@dataclass(frozen=True)
class GimRoute:
    """The operator sets GIM up through the GIMExtension; an allowed trader calls GIM.trade per chunk."""

    gim: str
    extension: str
    index_adapters: Mapping[str, str]  # venue -> GIM index-exchange adapter name
    exchange_data: Mapping[str, bytes]  # component symbol -> configured exchange data
    venue_data: Mapping[str, bytes]  # venue -> data its adapter needs whatever the component
    allowed_traders: tuple[str, ...]  # the traders the product's config names
    kind: str = "base-manager"
    gas: GasProfile = GAS
    venues_per_chunk: VenuesPerChunk = "one"
    buys_exact_output: bool = True  # GIM buys an exact component amount for at most the WETH limit
    signers: Mapping[str, str] = field(default_factory=lambda: {"setup": "operator", "trade": "trader"})

    def steps(self, rebalance, snapshot):
        traders = {h for r in snapshot.roles if r.name == "trader" for h in r.holders}
        missing = [t for t in self.allowed_traders if t not in traders]
        return gim_steps(
            rebalance,
            snapshot,
            self.gim,
            self.extension,
            dict(self.index_adapters),
            dict(self.exchange_data),
            missing,
            self.venue_data,
        )

    def check_before_send(self, w3, steps: Iterable) -> None:
        """GIM's own conditions are met by the plan's set-up steps; its cool-offs are waited for, not refused."""


def gim_steps(
    plan,
    snapshot,
    gim: str,
    extension: str,
    index_adapters: dict[str, str],
    exchange_data: dict[str, bytes],
    traders_to_allow=(),
    venue_data: Mapping[str, bytes] | None = None,
) -> list:
    """The base-manager route for a whole RebalancePlan: operator setup, then trader GIM.trade calls.

    `exchange_data` is configured per component; `venue_data` is what a venue's adapter needs
    whatever the component (a Uniswap V3 venue's fee tier), and wins when that venue is chosen.
    """
    trading = {p.trade.component: p for p in plan.trades}
    current = {c.address: c.gim for c in snapshot.components}
    targets = []
    for row in plan.targets:
        now = current.get(row.address)
        planned = trading.get(row.symbol)
        data = exchange_data.get(row.symbol, now.exchange_data if now is not None else b"")
        if planned is not None:
            venue = planned.chunks.chunks[0].fills[0].venue
            settings = (planned.chunks.largest_chunk_quantity, index_adapters[venue], planned.cool_off)
            data = _traded_exchange_data(venue, settings[1], row.symbol, now, exchange_data, venue_data or {})
        elif now is not None:
            settings = (now.max_size, now.exchange, now.cool_off)
        else:
            settings = (0, "", 0)
        targets.append(GimComponentTarget(row.address, row.symbol, row.target_unit, *settings, exchange_data=data))
    steps = [
        PlannedStep(
            call=call,
            phase="setup",
            gas_estimate=SETUP_GAS_BASE + SETUP_GAS_PER_COMPONENT * len(call.args.get("_components", [])),
        )
        for call in setup_calls(
            extension, targets, current, snapshot.position_multiplier, traders_to_allow, snapshot.weth
        )
    ]
    for planned, k in trade_rounds(plan.trades):
        chunk = planned.chunks.chunks[k]
        side = planned.trade.side
        call = trade_call(
            gim,
            snapshot.set_token,
            planned.address,
            planned.trade.component,
            side,
            chunk.weth_limit,
            k + 1,
            planned.chunks.chunk_count,
        )
        limit_key = "min_weth_received" if side == "sell" else "max_weth_spent"
        steps.append(
            PlannedStep(
                call=call,
                phase="trade",
                gas_estimate=GAS.per_trade,
                component=planned.trade.component,
                side=side,
                chunk=k + 1,
                chunks=planned.chunks.chunk_count,
                venue=chunk.fills[0].venue,
                cool_off_after=planned.cool_off if k + 1 < planned.chunks.chunk_count else 0,
                limits={limit_key: chunk.weth_limit},
                expected={
                    "component_amount": chunk.quantity,
                    "weth_amount": chunk.weth,
                    "impact_ppm": round(chunk.price_impact * 1_000_000),
                },
            )
        )
    return steps
