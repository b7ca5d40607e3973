"""What the DelegatedManager would refuse in a delegated plan, found before the plan is written and again
before its first send, so that a rebalance never stops half-way at a trade the manager does not allow.

TradeExtension.trade and every item of BatchTradeExtension.batchTrade require the receive token to be
an allowed asset of the manager (`isAllowedAsset`: any asset when `useAssetAllowlist` is off) and the
extension to be initialized on it; batchTrade also requires each exchange name to be one of its
integrations. The operator role is checked with the other roles, against the signer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from eth_utils import to_checksum_address

from indexops.chain.delegated_manager import ManagerAllowances, read_allowances
from indexops.errors import UsageError

TRADE = "trade(address,string,address,uint256,address,uint256,bytes)"
BATCH_TRADE = "batchTrade(address,(string,address,uint256,address,uint256,bytes)[])"


class ManagerWouldRefuse(UsageError):
    def __init__(self, problems: list[str]):
        super().__init__("the DelegatedManager would refuse this plan: " + "; ".join(problems) + "; nothing was sent")


@dataclass(frozen=True)
class TradeNeeds:
    """What a plan's trade steps need the manager to allow."""

    receive_tokens: frozenset[str]
    extensions: frozenset[str]
    batch_extension: str | None
    batch_exchanges: frozenset[str]


def needs_of(steps: Iterable) -> TradeNeeds:
    receive, extensions, exchanges, batcher = set(), set(), set(), None
    for step in steps:
        if step.function == TRADE:
            receive.add(to_checksum_address(step.args["_receiveToken"]))
            extensions.add(to_checksum_address(step.to))
        elif step.function == BATCH_TRADE:
            batcher = to_checksum_address(step.to)
            extensions.add(batcher)
            for exchange, _send, _quantity, receive_token, _min, _data in step.args["_trades"]:
                receive.add(to_checksum_address(receive_token))
                exchanges.add(exchange)
    return TradeNeeds(frozenset(receive), frozenset(extensions), batcher, frozenset(exchanges))


def refusals(
    needs: TradeNeeds, allowed: ManagerAllowances, symbols: Mapping[str, str], extension_names: Mapping[str, str]
) -> list[str]:
    """One sentence per thing the manager would refuse, naming the owner call that would allow it."""
    problems = []
    if allowed.use_asset_allowlist:
        missing = sorted(a for a in needs.receive_tokens if not allowed.allowed_assets.get(a, False))
        if missing:
            named = ", ".join(f"{symbols.get(a, a)} ({a})" for a in missing)
            problems.append(
                f"{named} {'is' if len(missing) == 1 else 'are'} not on its asset allowlist: its owner must call "
                f"DelegatedManager({allowed.manager}).addAllowedAssets([{', '.join(missing)}]) first"
            )
    for extension in sorted(needs.extensions):
        if not allowed.initialized_extensions.get(extension, False):
            name = extension_names.get(extension, "extension")
            problems.append(
                f"{name} {extension} is not an initialized extension of it: its owner must call addExtensions"
                f"([{extension}]) and then {name}.initializeExtension({allowed.manager})"
            )
    unknown = sorted(n for n in needs.batch_exchanges if not allowed.batch_integrations.get(n, False))
    if unknown:
        problems.append(
            f"BatchTradeExtension {needs.batch_extension} has no integration named {', '.join(map(repr, unknown))}: "
            "ManagerCore's owner must call its addIntegrations first (or plan without --batch)"
        )
    return problems


def check_delegated_plan(w3, deployment, network, steps: Iterable) -> None:
    """ManagerWouldRefuse unless the manager allows every trade of the plan as the chain stands now."""
    steps = list(steps)
    needs = needs_of(steps)
    if not needs.extensions:
        return
    allowed = read_allowances(
        w3,
        deployment.manager,
        assets=needs.receive_tokens,
        extensions=needs.extensions,
        batch_extension=needs.batch_extension,
        integrations=needs.batch_exchanges,
    )
    symbols: dict[str, str] = {to_checksum_address(token.address): symbol for symbol, token in network.tokens.items()}
    names = {"trade": "TradeExtension", "batch_trade": "BatchTradeExtension"}
    extension_names: dict[str, str] = {
        to_checksum_address(a): names.get(k, k) for k, a in deployment.extensions.items()
    }
    problems = refusals(needs, allowed, symbols, extension_names)
    if problems:
        raise ManagerWouldRefuse(problems)
