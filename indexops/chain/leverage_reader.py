"""A leverage token's state at one block, read in a constant number of round trips.

Everything comes from the FlexibleLeverageStrategyExtension and what its `getStrategy()` names (the
Compound markets, the Chainlink feeds, the SetToken), so the same reader serves any network whose
products.toml knows only the extension's address. The balances and prices are the ones the strategy
values the position with (`indexops.leverage.state`): collateral = cToken balance x exchangeRateStored,
debt = borrowBalanceStored, prices = latestAnswer x 10^adjustment. A disengage in progress is stored
nowhere: it is read from the extension's latest Engaged / Disengaged event while debt is left. Round
trips: the latest block, then the extension (and its events), then the markets, feeds and exchanges.
A read that reverts is a `ChainError`; an answer no node gives (a block without its number, return data
that does not decode as the ABI's types) is a `GarbageAnswer`, one line naming the RPC and the read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from eth_utils import keccak, to_checksum_address

from indexops.chain.abis import contract
from indexops.chain.answers import GarbageAnswer, quantity, shown
from indexops.chain.batch import BatchReader, CallFailed
from indexops.chain.connection import Connection
from indexops.errors import ChainError
from indexops.leverage.comp_accrual import MarketRewards, pending_comp
from indexops.leverage.settings import Exchanges, ExchangeSettings, Execution, Incentive, LeverageSettings, Methodology
from indexops.leverage.state import LeverageState, collateral_balance_from_ctokens, oracle_price

STRATEGY_ABI = "FlexibleLeverageStrategyExtension"
COMP = "0xc00e94Cb662C3520282E6f5717214004A7f26888"  # the Comptroller hard-codes it (getCompAddress)
ENGAGED = "0x" + keccak(text="Engaged(uint256,uint256,uint256,uint256)").hex()
DISENGAGED = "0x" + keccak(text="Disengaged(uint256,uint256,uint256,uint256)").hex()
# How far back to look for the last engage or disengage: the contract stores no disengage in progress
LOOKBACK_BLOCKS = 250_000


@dataclass(frozen=True)
class Strategy:
    """`getStrategy()`: the contracts and tokens the extension levers with."""

    set_token: str
    leverage_module: str
    comptroller: str
    collateral_oracle: str
    borrow_oracle: str
    collateral_ctoken: str
    borrow_ctoken: str
    collateral_asset: str
    borrow_asset: str
    collateral_adjustment: int
    borrow_adjustment: int


@dataclass(frozen=True)
class LeverageReading:
    """One block's reading: the pure state and settings, and what the contract itself answers."""

    block_number: int
    extension: str
    strategy: Strategy
    state: LeverageState
    settings: LeverageSettings
    exchanges: Exchanges  # enabled exchanges, in the contract's order
    contract_ratio: int  # getCurrentLeverageRatio()
    should_rebalance: dict[str, int]  # shouldRebalance(): exchange -> ShouldRebalance value
    chunk_sizes: tuple[int, ...] | CallFailed  # getChunkRebalanceNotional(enabled) sizes, in the sell asset's units
    chunk_sell_asset: str | None
    ether_incentive: int  # getCurrentEtherIncentive()
    collateral_ctoken_balance: int
    comp_accrued: int  # Comptroller.compAccrued(set): COMP owed but not yet sent to the SetToken
    comp_claimable: int  # what claimComp(set) would send at the next block (compAccrued included)
    comp_held: int  # COMP the SetToken holds (claimed, or sent during other Compound calls)
    callers: dict[str, bool]  # callAllowList(address) for each address asked about
    anyone_callable: bool


class _Garbled(Exception):
    def __init__(self, what: str, reason: str):
        self.what, self.reason = what, reason


def read_leverage(connection: Connection, extension: str, callers: Iterable[str] = ()) -> LeverageReading:
    """The strategy's state at the latest block; an answer no node gives is one line (`GarbageAnswer`)."""
    try:
        return _read(connection, extension, callers)
    except _Garbled as garbled:
        raise GarbageAnswer(connection, f"the leverage strategy read ({garbled.what})", garbled.reason) from None


def _read(connection: Connection, extension: str, callers: Iterable[str]) -> LeverageReading:
    w3 = connection.w3
    number, timestamp = _latest_block(connection)
    reader = BatchReader(w3, number)
    fli = contract(w3, STRATEGY_ABI, extension)
    first = {
        "code": reader.code(extension),
        "strategy": reader.call(fli, "getStrategy"),
        "methodology": reader.call(fli, "getMethodology"),
        "execution": reader.call(fli, "getExecution"),
        "incentive": reader.call(fli, "getIncentive"),
        "exchanges": reader.call(fli, "getEnabledExchanges"),
        "ratio": reader.call(fli, "getCurrentLeverageRatio"),
        "twap": reader.call(fli, "twapLeverageRatio"),
        "last_trade": reader.call(fli, "globalLastTradeTimestamp"),
        "incentive_now": reader.call(fli, "getCurrentEtherIncentive"),
        "should": reader.call(fli, "shouldRebalance"),
        "anyone": reader.call(fli, "anyoneCallable"),
        "ether": reader.balance(extension),
        "engagements": reader.logs(extension, [ENGAGED, DISENGAGED], max(0, number - LOOKBACK_BLOCKS)),
    }
    callers = tuple(dict.fromkeys(callers))
    caller_tickets = {address: reader.call(fli, "callAllowList", address) for address in callers}
    got = reader.run()
    if not _value(got, first["code"], "eth_getCode"):
        raise ChainError(f"no contract at the leverage strategy address {extension}")
    strategy = _strategy(_value(got, first["strategy"], "getStrategy()"))
    names = tuple(_value(got, first["exchanges"], "getEnabledExchanges()"))

    set_token = contract(w3, "SetToken", strategy.set_token)
    collateral_ctoken = contract(w3, "compound/CErc20", strategy.collateral_ctoken)
    borrow_ctoken = contract(w3, "compound/CErc20", strategy.borrow_ctoken)
    comptroller = contract(w3, "compound/Comptroller", strategy.comptroller)
    second = {
        "supply": reader.call(set_token, "totalSupply"),
        "ctokens": reader.call(collateral_ctoken, "balanceOf", strategy.set_token),
        "exchange_rate": reader.call(collateral_ctoken, "exchangeRateStored"),
        "borrow": reader.call(borrow_ctoken, "borrowBalanceStored", strategy.set_token),
        "collateral_price": reader.call(
            contract(w3, "ChainlinkAggregator", strategy.collateral_oracle), "latestAnswer"
        ),
        "borrow_price": reader.call(contract(w3, "ChainlinkAggregator", strategy.borrow_oracle), "latestAnswer"),
        "market": reader.call(comptroller, "markets", strategy.collateral_ctoken),
        "comp": reader.call(comptroller, "compAccrued", strategy.set_token),
        "comp_held": reader.call(contract(w3, "ERC20", COMP), "balanceOf", strategy.set_token),
        "borrow_speed": reader.call(comptroller, "compSpeeds", strategy.borrow_ctoken),
        "borrow_state": reader.call(comptroller, "compBorrowState", strategy.borrow_ctoken),
        "borrower_index": reader.call(comptroller, "compBorrowerIndex", strategy.borrow_ctoken, strategy.set_token),
        "total_borrows": reader.call(borrow_ctoken, "totalBorrows"),
        "borrow_index": reader.call(borrow_ctoken, "borrowIndex"),
        "supply_speed": reader.call(comptroller, "compSpeeds", strategy.collateral_ctoken),
        "supply_state": reader.call(comptroller, "compSupplyState", strategy.collateral_ctoken),
        "supplier_index": reader.call(comptroller, "compSupplierIndex", strategy.collateral_ctoken, strategy.set_token),
        "total_supply": reader.call(collateral_ctoken, "totalSupply"),
    }
    exchange_tickets = {name: reader.call(fli, "getExchangeSettings", name) for name in names}
    chunk_ticket = reader.call(fli, "getChunkRebalanceNotional", list(names)) if names else None
    more = reader.run()

    methodology = Methodology(*_value(got, first["methodology"], "getMethodology()"))
    execution = Execution(*_value(got, first["execution"], "getExecution()"))
    incentive = Incentive(*_value(got, first["incentive"], "getIncentive()"))
    exchanges = {
        name: _exchange(_value(more, ticket, f"getExchangeSettings({name!r})"))
        for name, ticket in exchange_tickets.items()
    }
    ctoken_balance = _value(more, second["ctokens"], "cToken.balanceOf")
    borrow_balance = _value(more, second["borrow"], "cToken.borrowBalanceStored")
    _listed, collateral_factor, *_rest = _value(more, second["market"], "Comptroller.markets")
    state = LeverageState(
        collateral_balance=collateral_balance_from_ctokens(
            ctoken_balance, _value(more, second["exchange_rate"], "cToken.exchangeRateStored")
        ),
        borrow_balance=borrow_balance,
        collateral_price=oracle_price(
            _value(more, second["collateral_price"], "collateral feed latestAnswer"), strategy.collateral_adjustment
        ),
        borrow_price=oracle_price(
            _value(more, second["borrow_price"], "borrow feed latestAnswer"), strategy.borrow_adjustment
        ),
        set_total_supply=_value(more, second["supply"], "SetToken.totalSupply"),
        collateral_factor=collateral_factor,
        timestamp=timestamp,
        twap_leverage_ratio=_value(got, first["twap"], "twapLeverageRatio()"),
        global_last_trade_timestamp=_value(got, first["last_trade"], "globalLastTradeTimestamp()"),
        ether_balance=_value(got, first["ether"], "the extension's ETH balance"),
        disengage_in_progress=borrow_balance > 0
        and _last_was_disengage(_value(got, first["engagements"], "eth_getLogs")),
    )
    should_names, should_values = _value(got, first["should"], "shouldRebalance()")
    chunk = (
        _answer(more, chunk_ticket, "getChunkRebalanceNotional()")
        if chunk_ticket is not None
        else CallFailed("no exchange enabled")
    )
    return LeverageReading(
        block_number=number,
        extension=extension,
        strategy=strategy,
        state=state,
        settings=LeverageSettings(methodology, execution, incentive),
        exchanges=exchanges,
        contract_ratio=_value(got, first["ratio"], "getCurrentLeverageRatio()"),
        should_rebalance=dict(zip(should_names, should_values, strict=True)),
        chunk_sizes=chunk if isinstance(chunk, CallFailed) else tuple(chunk[0]),
        chunk_sell_asset=None if isinstance(chunk, CallFailed) else chunk[1],
        ether_incentive=_value(got, first["incentive_now"], "getCurrentEtherIncentive()"),
        collateral_ctoken_balance=ctoken_balance,
        comp_accrued=_value(more, second["comp"], "Comptroller.compAccrued"),
        comp_claimable=_claimable(more, second, ctoken_balance, borrow_balance, number + 1),
        comp_held=_value(more, second["comp_held"], "COMP.balanceOf"),
        callers={address: bool(_value(got, ticket, "callAllowList")) for address, ticket in caller_tickets.items()},
        anyone_callable=bool(_value(got, first["anyone"], "anyoneCallable()")),
    )


def _claimable(results: list, tickets: dict[str, int], ctoken_balance: int, borrow_balance: int, block: int) -> int:
    def get(key: str):
        return _value(results, tickets[key], f"Comptroller COMP state ({key})")

    borrow_index, borrow_block = get("borrow_state")
    supply_index, supply_block = get("supply_state")
    borrows = MarketRewards(
        get("borrow_speed"),
        borrow_index,
        borrow_block,
        get("borrower_index"),
        get("total_borrows"),
        borrow_balance,
        get("borrow_index"),
    )
    supplies = MarketRewards(
        get("supply_speed"), supply_index, supply_block, get("supplier_index"), get("total_supply"), ctoken_balance
    )
    return pending_comp(get("comp"), block, borrows=(borrows,), supplies=(supplies,))


def _last_was_disengage(logs: list) -> bool:
    """The latest Engaged or Disengaged event is a Disengaged: a disengage began and debt is left."""
    if not logs:
        return False
    last = max(logs, key=lambda log: (int(log["blockNumber"], 16), int(log["logIndex"], 16)))
    return last["topics"][0].lower() == DISENGAGED


def _strategy(fields) -> Strategy:
    """`getStrategy()`'s struct, its nine addresses checksummed (a struct's come back lower-case)."""
    *addresses, collateral_adjustment, borrow_adjustment = fields
    (
        set_token,
        module,
        comptroller,
        collateral_oracle,
        borrow_oracle,
        collateral_ctoken,
        borrow_ctoken,
        collateral_asset,
        borrow_asset,
    ) = (to_checksum_address(a) for a in addresses)
    return Strategy(
        set_token,
        module,
        comptroller,
        collateral_oracle,
        borrow_oracle,
        collateral_ctoken,
        borrow_ctoken,
        collateral_asset,
        borrow_asset,
        collateral_adjustment,
        borrow_adjustment,
    )


def _exchange(fields) -> ExchangeSettings:
    max_size, last_trade, incentivized_max, lever_data, delever_data = fields
    return ExchangeSettings(max_size, last_trade, incentivized_max, bytes(lever_data), bytes(delever_data))


def _latest_block(connection: Connection) -> tuple[int, int]:
    """The latest block's number and timestamp."""
    answer = connection.w3.provider.make_request("eth_getBlockByNumber", ["latest", False])
    block = answer.get("result") if isinstance(answer, dict) else None
    if not isinstance(block, dict):
        raise GarbageAnswer(connection, "eth_getBlockByNumber(latest)", f"no block ({shown(answer)})")
    number, timestamp = quantity(block.get("number")), quantity(block.get("timestamp"))
    if number is None or timestamp is None:
        raise GarbageAnswer(connection, "eth_getBlockByNumber(latest)", "a block without a hex number and timestamp")
    return number, timestamp


def _answer(results: list, ticket: int, what: str):
    """The read's value, or its CallFailed when it reverted; an answer that is garbage is `_Garbled`."""
    answer = results[ticket]
    if isinstance(answer, CallFailed) and answer.garbage:
        raise _Garbled(what, answer.reason)
    return answer


def _value(results: list, ticket: int, what: str):
    answer = _answer(results, ticket, what)
    if isinstance(answer, CallFailed):
        raise ChainError(f"reading the leverage strategy's {what} failed: {answer.reason}")
    return answer
