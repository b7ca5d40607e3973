"""Chainlink-like USD price feeds (Index Coop's ChainlinkAggregatorV3Mock), one per priced asset.

The FLI strategy reads only `latestAnswer()`, in 8 decimals as Chainlink's USD feeds answer.
"""

from __future__ import annotations

from decimal import Decimal

from indexops.sandbox import scenario
from indexops.sandbox.deployer import Deployer


def feed_answer(price_usd: float) -> int:
    """A USD price as an 8-decimal feed answer."""
    return int(Decimal(repr(price_usd)) * 10**scenario.FEED_DECIMALS)


def deploy_feeds(d: Deployer, symbols: tuple[str, ...]) -> dict:
    feeds = {}
    for symbol in symbols:
        feed = d.deploy("ChainlinkAggregatorV3Mock")
        d.send(feed.functions.setPrice(feed_answer(scenario.price_usd(symbol))))
        feeds[symbol] = feed
    return feeds
