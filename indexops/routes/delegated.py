"""The delegated route: an operator of the DelegatedManager trades through Set's global extensions.

TradeExtension.trade and each BatchTradeExtension.batchTrade item carry TradeModule's arguments
(per-set units, see `routes.direct`), with the SetToken first. batchTrade runs every trade in a
try/catch, so a receipt with status 1 can hold failed trades: `failed_trades` reads them back from
its StringTradeFailed / BytesTradeFailed events.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from eth_abi import decode
from eth_utils import keccak, to_checksum_address

from indexops.errors import UsageError
from indexops.planning.chunk_pricing import VenuesPerChunk
from indexops.routes import trade_module_steps
from indexops.routes.calls import Call, make_call
from indexops.routes.delegated_checks import check_delegated_plan
from indexops.routes.route import GasProfile
from indexops.routes.trade_module import Trade, check_trade

SERIAL_GAS = GasProfile(per_trade=260_000)  # TradeExtension.trade: TradeModule's trade through the manager
BATCH_GAS_PER_TRADE, BATCH_BASE_GAS = 230_000, 60_000  # batchTrade shares one transaction's overhead

TRADE_EXTENSION = "delegated/TradeExtension"
BATCH_TRADE_EXTENSION = "delegated/BatchTradeExtension"
TRADE_INFO = "(string,address,uint256,address,uint256,bytes)"
STRING_TRADE_FAILED = keccak(text=f"StringTradeFailed(address,uint256,string,{TRADE_INFO})")
BYTES_TRADE_FAILED = keccak(text=f"BytesTradeFailed(address,uint256,bytes,{TRADE_INFO})")


class GasLimitTooLow(UsageError):
    """Not even one trade fits the gas limit of a batchTrade transaction."""


@dataclass(frozen=True)
class FailedTrade:
    """A trade that reverted inside batchTrade: its index in that call, why, and what it was."""

    index: int
    reason: str  # the revert string, or the low-level revert data as 0x-hex
    trade: tuple  # (exchangeName, sendToken, sendQuantity, receiveToken, receiveQuantity, data)
    low_level: bool = False


def trade_call(
    extension: str,
    set_token: str,
    exchange_name: str,
    send_token: str,
    send_units: int,
    receive_token: str,
    min_receive_units: int,
    data: bytes = b"",
    description: str | None = None,
    side: Literal["sell", "buy"] = "sell",
    label: str = "",
) -> Call:
    """TradeExtension.trade by an operator; the receive token must be on the manager's asset allowlist."""
    trade = Trade(side, exchange_name, send_token, send_units, receive_token, min_receive_units, data, label)
    check_trade(trade)
    return make_call(
        TRADE_EXTENSION,
        "trade",
        extension,
        [set_token, *trade.as_tuple()],
        "operator",
        description or trade.describe(),
    )


def batch_calls(
    extension: str, set_token: str, trades: Sequence[Trade], gas_per_trade: int, base_gas: int, gas_limit: int
) -> list[Call]:
    """BatchTradeExtension.batchTrade calls, each within `gas_limit`, sells before buys, order otherwise kept.

    Send each with its `extra["gas_limit"]`, not a node's estimate: the estimate only has to keep the
    batch from reverting, and a trade starved of gas inside the try/catch fails without reverting it.
    """
    for trade in trades:
        check_trade(trade)
    groups = group_for_gas(execution_order(trades), gas_per_trade, base_gas, gas_limit)
    calls = []
    for number, group in enumerate(groups, start=1):
        call = make_call(
            BATCH_TRADE_EXTENSION,
            "batchTrade",
            extension,
            [set_token, [t.as_tuple() for t in group]],
            "operator",
            f"batch {number}/{len(groups)} of {len(group)} trade(s): {_labels(group)}",
        )
        calls.append(dataclasses.replace(call, extra={"gas_limit": base_gas + gas_per_trade * len(group)}))
    return calls


def execution_order(trades: Sequence[Trade]) -> list[Trade]:
    """Sells first so that buys can spend what they raised; within each side the caller's order."""
    return [t for t in trades if t.side == "sell"] + [t for t in trades if t.side != "sell"]


def group_for_gas(trades: Sequence[Trade], gas_per_trade: int, base_gas: int, gas_limit: int) -> list[list[Trade]]:
    """Consecutive groups, as few as the limit allows: base_gas + gas_per_trade x trades <= gas_limit."""
    if gas_per_trade <= 0 or base_gas < 0:
        raise GasLimitTooLow(
            f"gas per trade must be positive and base gas not negative (got {gas_per_trade}, {base_gas})"
        )
    per_batch = (gas_limit - base_gas) // gas_per_trade
    if per_batch < 1:
        raise GasLimitTooLow(
            f"a gas limit of {gas_limit} fits no trade: one batchTrade of one trade needs {base_gas + gas_per_trade}"
        )
    return [list(trades[start : start + per_batch]) for start in range(0, len(trades), per_batch)]


def failed_trades(logs: Sequence[Mapping], extension: str, set_token: str | None = None) -> list[FailedTrade]:
    """The trades a batchTrade receipt reports as failed, in index order (other logs are ignored)."""
    extension = to_checksum_address(extension)
    failed = []
    for log in logs:
        topics = [_as_bytes(t) for t in log["topics"]]
        if to_checksum_address(log["address"]) != extension or len(topics) != 3:
            continue
        if topics[0] not in (STRING_TRADE_FAILED, BYTES_TRADE_FAILED):
            continue
        if set_token is not None and to_checksum_address(topics[1][-20:]) != to_checksum_address(set_token):
            continue
        low_level = topics[0] == BYTES_TRADE_FAILED
        reason, info = decode(["bytes" if low_level else "string", TRADE_INFO], _as_bytes(log["data"]))
        name, send, send_quantity, receive, receive_quantity, data = info
        failed.append(
            FailedTrade(
                index=int.from_bytes(topics[2], "big"),
                reason="0x" + reason.hex() if low_level else reason,
                trade=(
                    name,
                    to_checksum_address(send),
                    send_quantity,
                    to_checksum_address(receive),
                    receive_quantity,
                    data,
                ),
                low_level=low_level,
            )
        )
    return sorted(failed, key=lambda f: f.index)


def _as_bytes(value) -> bytes:
    if isinstance(value, str):
        return bytes.fromhex(value[2:] if value.startswith("0x") else value)
    return bytes(value)


def _labels(trades: Sequence[Trade]) -> str:
    names = [t.label or t.side for t in trades]
    return ", ".join(names) if len(names) <= 4 else f"{', '.join(names[:4])} and {len(names) - 4} more"


@dataclass(frozen=True)
class DelegatedRoute:
    """An operator of the DelegatedManager trades: one TradeExtension call per fill, or batchTrade rounds."""

    deployment: object  # config.models.Deployment: manager, extensions
    network: object  # config.models.Network: the token address book, for messages
    adapters: Mapping[str, str]  # venue -> TradeModule adapter name
    slippage_bps: int
    fee_tiers: Mapping[str, int] = dataclasses.field(default_factory=dict)  # Uniswap V3 venues
    batch_gas_limit: int | None = None  # set: trade through BatchTradeExtension.batchTrade
    kind: str = "delegated"
    venues_per_chunk: VenuesPerChunk = "many"
    buys_exact_output: bool = False  # a buy spends exact WETH for at least the component
    signers: Mapping[str, str] = dataclasses.field(default_factory=lambda: {"trade": "operator"})

    @property
    def gas(self) -> GasProfile:
        if self.batch_gas_limit is None:
            return SERIAL_GAS
        return GasProfile(BATCH_GAS_PER_TRADE, BATCH_BASE_GAS, self.batch_gas_limit)

    def steps(self, rebalance, snapshot):
        set_token = self.deployment.set_token
        fills = trade_module_steps.fill_trades(rebalance, snapshot, self.adapters, self.slippage_bps, self.fee_tiers)
        gas = self.gas
        if gas.batch_gas_limit is None:
            extension = self.deployment.extensions["trade"]
            return trade_module_steps.serial_steps(
                fills,
                lambda trade: trade_call(extension, set_token, *trade.as_tuple(), side=trade.side, label=trade.label),
                gas.per_trade,
            )
        batcher = self.deployment.extensions["batch_trade"]
        return trade_module_steps.batched_steps(
            fills,
            lambda trades: batch_calls(
                batcher, set_token, trades, gas.per_trade, gas.per_transaction, gas.batch_gas_limit
            ),
            gas.per_trade,
            gas.per_transaction,
        )

    def check_before_send(self, w3, steps: Iterable) -> None:
        check_delegated_plan(w3, self.deployment, self.network, steps)
