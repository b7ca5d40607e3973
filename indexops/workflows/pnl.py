"""`indexops report pnl`'s reading: a product's ledger from chain events and receipts alone, each entry priced in
USD at its block with the product's own price sources (`chain.history.prices`).

Entries: the streaming fees actualized (StreamingFeeModule `FeeActualized`, the manager's sets), the issue and
redeem fees (DebtIssuanceModule `SetTokenIssued` / `SetTokenRedeemed`, their manager fees), each party's take of
the split contract's payouts (Index Coop's `FeesAccrued`, the self-service extension's `FeesDistributed`), the
rewards claimed (ClaimModule `RewardClaimed`), and the gas (gasUsed x effectiveGasPrice) of the transactions the
product's operator side, methodologist and keepers sent to its SetToken, manager, extensions, modules or
operator Safe (`chain.history.transactions`: found from the logs read here, and from the hashes the execution
journal holds for the product on this chain, whatever they were sent to).

The range is `--from` / `--to` as given: a block number, or a date YYYY-MM-DD (UTC) meaning the first block at or
after its midnight; from the SetToken's creation block to the head by default. A block or date before the
SetToken's creation, past the head, or an end before the start is one line (UsageError).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime
from pathlib import Path

from indexops.chain.abis import contract
from indexops.chain.history import answered
from indexops.chain.history.archive import ArchiveReader
from indexops.chain.history.blocks import creation_block, first_block_at_or_after, timestamps
from indexops.chain.history.events import (
    FEE_ACTUALIZED,
    FEES_ACCRUED,
    FEES_DISTRIBUTED,
    REWARD_CLAIMED,
    SET_TOKEN_ACTIONS,
    SET_TOKEN_ISSUED,
    SET_TOKEN_REDEEMED,
    FeeMinted,
    Position,
    RewardClaimed,
    SplitPaid,
    address_topic,
    fee_minted,
    reward_claimed,
    split_paid,
)
from indexops.chain.history.fetch import LogQuery
from indexops.chain.history.history import ChainHistory, HistoryCounts
from indexops.chain.history.prices import BlockPrices, read_prices
from indexops.chain.history.receipts import Receipt
from indexops.chain.history.roles import Roles, read_roles
from indexops.chain.history.transactions import sent_transactions
from indexops.config.selection import ProductOnNetwork
from indexops.errors import ChainError, UsageError
from indexops.report.pnl.ledger import EntryKind, Ledger, LedgerEntry, Party

SET_DECIMALS = 18
ETH_DECIMALS = 18
ISSUANCE = (SET_TOKEN_ISSUED, SET_TOKEN_REDEEMED)
SUPPLY_SAMPLES = 16  # blocks the average supply is read at, besides the entries'
PARTIES = {"operator": Party.OPERATOR, "methodologist": Party.METHODOLOGIST, "keeper": Party.KEEPER}
FEE_KINDS = {"streaming": EntryKind.STREAMING_FEE, "issue": EntryKind.ISSUE_FEE, "redeem": EntryKind.REDEEM_FEE}
_BLOCK = re.compile(r"\d+")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def read_ledger(
    target: ProductOnNetwork,
    connection,
    start: str | None,
    end: str | None,
    cache_dir: Path | None = None,
    counts: HistoryCounts | None = None,
) -> Ledger:
    """The product's ledger over [start, end]; `counts`, when given, is filled with what the reading cost."""
    _require_fees(target)
    history = ChainHistory.open(connection, cache_dir, counts=counts)
    try:
        return _read(target, history, start, end)
    finally:
        history.close()


def _read(target: ProductOnNetwork, history: ChainHistory, start: str | None, end: str | None) -> Ledger:
    deployment, modules = target.deployment, target.deployment.modules
    created = creation_block(history, deployment.set_token, _factories_of(history, target))
    if created is None:
        raise UsageError(
            f"{target.key}: no SetToken at {deployment.set_token} on {target.where.name} "
            f"(products.{target.key}.deployments.{target.where.name}.set_token)"
        )
    first = created if start is None else _block_of(history, target, "--from", start, created)
    last = history.head if end is None else _block_of(history, target, "--to", end, created)
    if last < first:
        raise UsageError(f"--to {end}: block {last} is before --from {start or first} (block {first})")
    roles = read_roles(history, target, min(last, max(history.final, first)))
    queries = _queries(target, roles)
    logs = history.logs(list(queries.values()), first, last)
    by_modules = logs[queries["modules"]]
    fees = [fee_minted(log) for log in _emitted(by_modules, modules.get("streaming_fee"), FEE_ACTUALIZED)]
    fees += [fee_minted(log) for log in _emitted(by_modules, modules.get("debt_issuance"), *ISSUANCE)]
    rewards = [reward_claimed(log) for log in _emitted(by_modules, modules.get("claim"), REWARD_CLAIMED)]
    split_logs = logs[queries["split"]] if "split" in queries else []
    ours = [(log, paid) for log in split_logs if (paid := split_paid(log, deployment.set_token)) is not None]
    splits = [paid for _, paid in ours]
    # the transactions behind the product's logs only: a self-service split contract pays other SetTokens too
    seen = [log for query, found in logs.items() if query != queries.get("split") for log in found]
    seen += [log for log, _ in ours]
    gas = sent_transactions(
        history,
        roles.accounts,
        _contracts(target, roles),
        first,
        last,
        seen_in=seen,
        known=_journaled(target, history.genesis),
    )
    tokens = _reward_tokens(history, target, rewards, min(last, max(history.final, first)))
    positions: list[Position] = [e.at for e in fees] + [e.at for e in splits] + [e.at for e in rewards]
    blocks = {at.block for at in positions} | {receipt.block for receipt in gas}
    times = timestamps(history, blocks)
    prices = read_prices(history, target, sorted(blocks), sorted({symbol for symbol, _ in tokens.values()}))
    entries = _entries(target, roles, fees, splits, rewards, gas, tokens, times, prices)
    supply = _average_supply(history, target, blocks, first, last)
    history.sync()
    return Ledger(target.key, target.where.name, first, last, tuple(entries), supply)


# ---- what to read -----------------------------------------------------------------------------------


def _require_fees(target: ProductOnNetwork) -> None:
    modules = target.deployment.modules
    if "streaming_fee" not in modules and "debt_issuance" not in modules:
        where = f"products.{target.key}.deployments.{target.where.name}.modules"
        raise UsageError(f"{target.key}: no streaming fee or debt issuance module ({where}): no fees to report")


def _splitter(target: ProductOnNetwork) -> tuple[str, str] | None:
    """(event topic, address) of the product's split contract's payouts, if it has one."""
    splitter = target.deployment.extensions.get("fee_split")
    if splitter is None:
        return None
    return (FEES_DISTRIBUTED if target.deployment.manager_kind == "delegated" else FEES_ACCRUED), splitter


def _queries(target: ProductOnNetwork, roles: Roles) -> dict[str, LogQuery]:
    """The logs read: every event of the product's modules about its SetToken (Set V2's modules index the
    SetToken first: the fees, the claims, the settings changes, the trades), the split contract's payouts, every
    action on the SetToken, every log of the product's own manager and extensions."""
    deployment = target.deployment
    queries = {"modules": LogQuery.of(list(deployment.modules.values()), None, address_topic(deployment.set_token))}
    if (split := _splitter(target)) is not None:
        queries["split"] = LogQuery.of(split[1], split[0])
    queries["set_token"] = LogQuery.of(deployment.set_token, SET_TOKEN_ACTIONS)
    queries["own"] = LogQuery.of([roles.manager, *_own_extensions(target)])
    return queries


def _emitted(logs: list[dict], address: str | None, *topics: str) -> list[dict]:
    """The logs `address` emitted whose first topic is one of `topics`."""
    if address is None:
        return []
    return [log for log in logs if log["address"].lower() == address.lower() and log["topics"][0].lower() in topics]


def _own_extensions(target: ProductOnNetwork) -> list[str]:
    """The extensions that serve this product only: Index Coop's are bound to one manager, the self-service ones
    serve many SetTokens (their actions on this one show on the SetToken)."""
    return [] if target.deployment.manager_kind == "delegated" else list(target.deployment.extensions.values())


def _contracts(target: ProductOnNetwork, roles: Roles) -> set[str]:
    deployment = target.deployment
    found = {deployment.set_token, roles.manager, *deployment.extensions.values(), *deployment.modules.values()}
    return found | ({roles.operator_safe} if roles.operator_safe else set())


def _factories_of(history: ChainHistory, target: ProductOnNetwork):
    """The Controller's SetToken factories (read only when the creation block must come from their events)."""

    def factories() -> list[str]:
        w3, block = history.connection.w3, history.head  # a node without old state answers at its head
        module = next(iter(target.deployment.modules.values()))
        reader = ArchiveReader(history).at(block)
        ticket = reader.call(contract(w3, "ModuleBase", module), "controller")
        controller = answered.value(history.connection, reader.run(), ticket, "a module's controller", block)
        ticket = reader.at(block).call(contract(w3, "Controller", controller), "getFactories")
        return list(answered.value(history.connection, reader.run(), ticket, "Controller.getFactories", block))

    return factories


def _journaled(target: ProductOnNetwork, genesis: str) -> set[str]:
    """The transaction hashes the execution journal holds for the product on this chain instance."""
    from indexops.execution.journal import Journal, default_journal_path

    path = default_journal_path()
    if not path.exists():
        return set()
    with Journal.open(path) as journal:
        runs = [
            run
            for run in journal.runs()
            if run.product == target.key and (run.chain_genesis or genesis).lower() == genesis.lower()
        ]
    hashes = {attempt.tx_hash for run in runs for step in run.steps for attempt in step.attempts}
    return hashes | {
        step.external.tx_hash for run in runs for step in run.steps if step.external and step.external.tx_hash
    }


def _reward_tokens(
    history: ChainHistory, target: ProductOnNetwork, rewards: list[RewardClaimed], block: int
) -> dict[tuple[str, str], tuple[str, int]]:
    """(reward pool, adapter) -> (symbol, decimals) of the token the adapter claims there."""
    pairs = sorted({(r.reward_pool, r.adapter) for r in rewards})
    if not pairs:
        return {}
    w3, where = history.connection.w3, target.where
    reader = ArchiveReader(history).at(block)
    asked = {pair: reader.call(contract(w3, "ClaimAdapter", pair[1]), "getTokenAddress", pair[0]) for pair in pairs}
    got = reader.run()
    addresses = {
        pair: answered.value(history.connection, got, t, "the claim adapter's token", block)
        for pair, t in asked.items()
    }
    reader.at(block)
    described = {
        pair: (reader.call(contract(w3, "ERC20", a), "symbol"), reader.call(contract(w3, "ERC20", a), "decimals"))
        for pair, a in addresses.items()
    }
    got = reader.run()
    tokens = {}
    for pair, (symbol, decimals) in described.items():
        book_symbol = where.symbol_of(addresses[pair])
        name = book_symbol or answered.value(history.connection, got, symbol, "the reward token's symbol", block)
        tokens[pair] = (name, int(answered.value(history.connection, got, decimals, f"{name}'s decimals", block)))
    return tokens


# ---- the entries ------------------------------------------------------------------------------------


def _entries(
    target: ProductOnNetwork,
    roles: Roles,
    fees: Iterable[FeeMinted],
    splits: Iterable[SplitPaid],
    rewards: Iterable[RewardClaimed],
    gas: Iterable[Receipt],
    tokens: dict[tuple[str, str], tuple[str, int]],
    times: dict[int, int],
    prices: dict[int, BlockPrices],
) -> list[LedgerEntry]:
    symbol = target.product.symbol
    ordered: list[tuple[tuple[int, int, int], LedgerEntry]] = []

    def sets(at: Position, kind: EntryKind, amount: int, party: Party | None = None, account: str | None = None):
        usd = _priced(prices[at.block].set_usd, f"one {symbol}", at.block) * amount / 10**SET_DECIMALS
        entry = LedgerEntry(
            kind, at.block, times[at.block], at.tx_hash, amount, symbol, SET_DECIMALS, usd, party, account
        )
        ordered.append(((at.block, at.tx_index, at.log_index), entry))

    for fee in fees:
        if fee.manager_fee:
            sets(fee.at, FEE_KINDS[fee.kind], fee.manager_fee)
    for paid in splits:
        if paid.operator_take:
            sets(paid.at, EntryKind.DISTRIBUTION, paid.operator_take, Party.OPERATOR, paid.operator)
        if paid.methodologist_take:
            sets(paid.at, EntryKind.DISTRIBUTION, paid.methodologist_take, Party.METHODOLOGIST, paid.methodologist)
    for reward in rewards:
        name, decimals = tokens[(reward.reward_pool, reward.adapter)]
        at = reward.at
        price = _priced(prices[at.block].tokens_usd.get(name), f"one {name}", at.block)
        usd = price * reward.amount / 10**decimals
        entry = LedgerEntry(
            EntryKind.COMP_CLAIMED, at.block, times[at.block], at.tx_hash, reward.amount, name, decimals, usd
        )
        ordered.append(((at.block, at.tx_index, at.log_index), entry))
    for receipt in gas:
        role = roles.role_of(receipt.sender)
        eth_usd = _priced(prices[receipt.block].eth_usd, "ETH", receipt.block)
        entry = LedgerEntry(
            EntryKind.GAS,
            receipt.block,
            times[receipt.block],
            receipt.tx_hash,
            receipt.fee_wei,
            "ETH",
            ETH_DECIMALS,
            eth_usd * receipt.fee_wei / 10**ETH_DECIMALS,
            PARTIES[role] if role else None,
            receipt.sender,
        )
        ordered.append(((receipt.block, receipt.index, -1), entry))  # a transaction's gas before its logs
    return [entry for _, entry in sorted(ordered, key=lambda pair: pair[0])]


def _priced(price: float | None, what: str, block: int) -> float:
    if price is None:
        raise ChainError(f"cannot price {what} at block {block}: no pool with reserves among its price sources")
    return price


def _average_supply(history: ChainHistory, target: ProductOnNetwork, blocks: set[int], first: int, last: int) -> float:
    """The SetToken's supply in whole tokens averaged over the range's time: read at the entries' blocks and at
    `SUPPLY_SAMPLES` blocks spread over the range, each reading held until the next."""
    step = 1 << max(0, ((last - first) // SUPPLY_SAMPLES).bit_length())  # on a grid: a re-run reads the same blocks
    grid = range((first // step + 1) * step, last, step)
    samples = sorted(blocks | set(grid) | {first, last})
    set_token = contract(history.connection.w3, "SetToken", target.deployment.set_token)
    reader = ArchiveReader(history)
    tickets = {block: reader.at(block).call(set_token, "totalSupply") for block in samples}
    got = reader.run()
    supplies = {b: answered.value(history.connection, got, t, "SetToken.totalSupply", b) for b, t in tickets.items()}
    times = timestamps(history, samples)
    span = times[last] - times[first]
    if span <= 0:
        return supplies[last] / 10**SET_DECIMALS
    held = sum(supplies[a] * (times[b] - times[a]) for a, b in zip(samples, samples[1:], strict=False))
    return held / span / 10**SET_DECIMALS


# ---- the range --------------------------------------------------------------------------------------


def _block_of(history: ChainHistory, target: ProductOnNetwork, flag: str, text: str, created: int) -> int:
    text = text.strip()
    if _BLOCK.fullmatch(text):
        block = int(text)
        if block > history.head:
            raise UsageError(f"{flag} {text}: past the chain's head (block {history.head})")
    elif _DATE.fullmatch(text):
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise UsageError(f"{flag} {text}: not a date (YYYY-MM-DD)") from None
        moment = int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())
        found = first_block_at_or_after(history, moment)
        if found is None:
            raise UsageError(f"{flag} {text}: after the chain's head (block {history.head})")
        block = found
    else:
        raise UsageError(f"{flag} {text!r}: give a block number or a date YYYY-MM-DD (UTC)")
    if block < created:
        when = datetime.fromtimestamp(timestamps(history, [created])[created], UTC).strftime("%Y-%m-%d %H:%M UTC")
        raise UsageError(
            f"{flag} {text}: before {target.key} was deployed on {target.where.name} "
            f"(its SetToken was created in block {created}, {when})"
        )
    return block
