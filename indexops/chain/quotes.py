"""The Uniswap V3 Quoter's amounts for a plan's V3 fills: one `eth_call` per distinct fill, all in one batch.

The Quoter runs the real swap and reverts with the amount (which it returns), so `eth_call` gives
the exact result at the snapshot's block, ticks crossed included.
"""

from __future__ import annotations

from indexops.chain.abis import contract
from indexops.chain.batch import BatchReader, CallFailed
from indexops.chain.connection import Connection
from indexops.config.models import Network
from indexops.errors import ChainError
from indexops.planning.quoted import QuoteKey, quote_keys, with_quotes
from indexops.planning.rebalance import RebalancePlan
from indexops.snapshot import Snapshot

NO_PRICE_LIMIT = 0


def check_v3_fills(
    connection: Connection,
    network: Network,
    snapshot: Snapshot,
    plan: RebalancePlan,
    slippage_bps: int,
    buys_exact_output: bool,
) -> RebalancePlan:
    """The plan with its V3 fills checked against the Quoter (unchanged when there are none)."""
    venues = {name: venue for name, venue in network.venues.items() if venue.kind == "uniswap-v3"}
    keys = quote_keys(plan, venues, buys_exact_output)
    if not keys:
        return plan
    quotes = read_quotes(connection, network, snapshot, keys)
    return with_quotes(plan, quotes, slippage_bps, buys_exact_output)


def read_quotes(
    connection: Connection, network: Network, snapshot: Snapshot, keys: list[QuoteKey]
) -> dict[QuoteKey, int]:
    w3 = connection.w3
    reader = BatchReader(w3, snapshot.block_number)
    tickets = {}
    for key in keys:
        venue = network.venues[key.venue]
        if venue.quoter is None or venue.fee_tier is None:  # the products file's checks require both for uniswap-v3
            raise ChainError(f"venue {key.venue}: a uniswap-v3 venue needs a quoter and a fee_tier to quote fills")
        token_in, token_out = (key.component, snapshot.weth) if key.side == "sell" else (snapshot.weth, key.component)
        function = "quoteExactOutputSingle" if key.exact_output else "quoteExactInputSingle"
        tickets[key] = reader.call(
            contract(w3, "UniswapV3Quoter", venue.quoter),
            function,
            token_in,
            token_out,
            venue.fee_tier,
            key.amount,
            NO_PRICE_LIMIT,
        )
    results = reader.run()
    quotes = {}
    for key, ticket in tickets.items():
        answer = results[ticket]
        if isinstance(answer, CallFailed):
            raise ChainError(
                f"{_symbol(snapshot, key.component)}: the {key.venue} Quoter cannot quote the planned "
                f"{key.side} of {_fixed_amount(snapshot, key)}: {answer.reason}"
            )
        quotes[key] = answer
    return quotes


def _symbol(snapshot: Snapshot, address: str) -> str:
    return next((c.symbol for c in (*snapshot.components, *snapshot.candidates) if c.address == address), address)


def _fixed_amount(snapshot: Snapshot, key: QuoteKey) -> str:
    """The amount the quote keeps fixed, with its token: the component, or WETH for an exact-input buy."""
    token = snapshot.weth if key.side == "buy" and not key.exact_output else key.component
    return f"{key.amount} base units of {_symbol(snapshot, token)}"
