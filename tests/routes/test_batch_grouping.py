"""batchTrade grouping: as few transactions as the gas limit allows, sells before buys, order kept."""

from __future__ import annotations

import pytest
from eth_abi import decode

from indexops.errors import UsageError
from indexops.routes.delegated import GasLimitTooLow, batch_calls, execution_order, failed_trades, group_for_gas
from indexops.routes.trade_module import (
    InvalidTrade,
    Trade,
    module_total,
    unit_after_trade,
    units_to_receive_at_least,
    units_to_send,
)

EXTENSION = "0x" + "ab" * 20
SET_TOKEN = "0x" + "5e" * 20
WETH = "0x" + "ee" * 20


def trade(label: str, side: str = "sell") -> Trade:
    token = "0x" + f"{len(label):02x}" * 20
    send, receive = (token, WETH) if side == "sell" else (WETH, token)
    return Trade(side, "UniswapV2ExchangeAdapter", send, 10**18, receive, 1, label=label)


def labels(groups) -> list[list[str]]:
    return [[t.label for t in group] for group in groups]


@pytest.mark.parametrize(
    ("count", "gas_limit", "sizes"),
    [
        (0, 1_000_000, []),
        (1, 300_000, [1]),
        (5, 300_000, [1, 1, 1, 1, 1]),
        (5, 500_000, [2, 2, 1]),
        (6, 700_000, [3, 3]),
        (6, 699_999, [2, 2, 2]),
        (7, 10**9, [7]),
    ],
)
def test_groups_fill_each_transaction_up_to_the_limit(count, gas_limit, sizes):
    trades = [trade(f"t{i}") for i in range(count)]
    groups = group_for_gas(trades, gas_per_trade=200_000, base_gas=100_000, gas_limit=gas_limit)
    assert [len(g) for g in groups] == sizes
    assert [t for g in groups for t in g] == trades


def test_sells_come_before_buys_and_each_side_keeps_its_order():
    given = [trade("buy a", "buy"), trade("sell b"), trade("buy c", "buy"), trade("sell d"), trade("sell e")]
    assert [t.label for t in execution_order(given)] == ["sell b", "sell d", "sell e", "buy a", "buy c"]


def test_batch_calls_carry_their_gas_limit_and_trades_in_order():
    given = [trade("buy a", "buy"), trade("sell bb"), trade("sell ccc"), trade("buy dddd", "buy")]
    calls = batch_calls(EXTENSION, SET_TOKEN, given, gas_per_trade=200_000, base_gas=100_000, gas_limit=550_000)
    assert [c.extra["gas_limit"] for c in calls] == [500_000, 500_000]
    assert [c.description for c in calls] == [
        "batch 1/2 of 2 trade(s): sell bb, sell ccc",
        "batch 2/2 of 2 trade(s): buy a, buy dddd",
    ]
    decoded = [decode(["address", "(string,address,uint256,address,uint256,bytes)[]"], c.data[4:])[1] for c in calls]
    assert [[item[1] for item in items] for items in decoded] == [
        [given[1].send_token.lower(), given[2].send_token.lower()],
        [WETH.lower(), WETH.lower()],
    ]
    assert all(c.signer_role == "operator" and c.to == EXTENSION for c in calls)


def test_a_limit_that_fits_no_trade_is_refused():
    with pytest.raises(GasLimitTooLow, match="a gas limit of 299999 fits no trade: one batchTrade of one trade needs 300000"):
        group_for_gas([trade("a")], gas_per_trade=200_000, base_gas=100_000, gas_limit=299_999)
    with pytest.raises(GasLimitTooLow, match="gas per trade must be positive"):
        group_for_gas([trade("a")], gas_per_trade=0, base_gas=100_000, gas_limit=10**7)
    assert issubclass(GasLimitTooLow, UsageError)


def test_a_trade_that_sends_nothing_is_refused_before_grouping():
    empty = Trade("sell", "UniswapV2ExchangeAdapter", "0x" + "01" * 20, 0, WETH, 0, label="sell nothing")
    with pytest.raises(InvalidTrade, match="sends nothing"):
        batch_calls(EXTENSION, SET_TOKEN, [trade("a"), empty], 200_000, 100_000, 10**7)


@pytest.mark.parametrize("supply", [1, 3 * 10**18, 7 * 10**18 + 1, 10_000 * 10**18, 123_456_789_012_345_678_901])
@pytest.mark.parametrize("total", [0, 1, 10**18 - 1, 10 * 10**18, 987_654_321_987_654_321_987])
def test_unit_conversion_never_overshoots_the_intent(supply, total):
    send = units_to_send(total, supply)
    assert module_total(send, supply) <= total
    receive = units_to_receive_at_least(total, supply)
    assert module_total(receive, supply) >= total
    assert receive == 0 or module_total(receive - 1, supply) < total


@pytest.mark.parametrize("supply", [3 * 10**18, 7 * 10**18 + 1, 10_000 * 10**18])
@pytest.mark.parametrize("unit", [1, 10**18 - 1, 3_333_333_333_333_333_333, 133_333_333_333_333_333])
def test_selling_what_the_position_tracks_never_asks_more_than_its_unit(supply, unit):
    """TradeModule refuses units above the position's ("Unit cant be greater than existing")."""
    assert units_to_send(module_total(unit, supply), supply) <= unit


def test_unit_after_trade_leaves_untracked_tokens_out():
    supply = 3 * 10**18
    # 30 tracked (10 per set) plus 5 airdropped; selling 9 leaves 21 tracked
    assert unit_after_trade(supply, 35 * 10**18, 26 * 10**18, 10 * 10**18) == 7 * 10**18
    assert unit_after_trade(supply, 35 * 10**18, 0, 10 * 10**18) == 0


def test_failed_trades_are_read_from_the_logs_in_index_order():
    from eth_abi import encode
    from eth_utils import keccak, to_checksum_address

    info = ("UniswapV2ExchangeAdapter", "0x" + "01" * 20, 5, WETH, 6, b"")
    topic = keccak(text="StringTradeFailed(address,uint256,string,(string,address,uint256,address,uint256,bytes))")
    bytes_topic = keccak(text="BytesTradeFailed(address,uint256,bytes,(string,address,uint256,address,uint256,bytes))")

    def log(topic0, index, data, address=EXTENSION):
        return {"address": address, "topics": [topic0, bytes(12) + bytes.fromhex(SET_TOKEN[2:]), index.to_bytes(32, "big")], "data": data}

    logs = [
        log(bytes_topic, 2, "0x" + encode(["bytes", "(string,address,uint256,address,uint256,bytes)"], [b"\xde\xad", info]).hex()),
        log(topic, 0, encode(["string", "(string,address,uint256,address,uint256,bytes)"], ["too little", info])),
        log(topic, 1, b"", address="0x" + "99" * 20),  # another contract's log
    ]
    found = failed_trades(logs, EXTENSION, SET_TOKEN)
    assert [(f.index, f.reason, f.low_level) for f in found] == [(0, "too little", False), (2, "0xdead", True)]
    assert found[0].trade == ("UniswapV2ExchangeAdapter", to_checksum_address("0x" + "01" * 20), 5, to_checksum_address(WETH), 6, b"")
