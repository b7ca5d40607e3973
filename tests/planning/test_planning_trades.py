import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indexops.planning.errors import InvalidComponentData
from indexops.planning.trades import Trade, plan_trades

E = 10**18
NAMES = ["AAVE", "COMP", "LINK", "MKR", "SNX", "UNI"]
PRICES = {"AAVE": 0.05, "COMP": 0.02, "LINK": 0.004, "MKR": 0.6, "SNX": 0.001, "UNI": 0.002, "WBTC": 16.0}
DECIMALS = {name: 18 for name in PRICES} | {"WBTC": 8}

units = st.integers(min_value=0, max_value=10**22)
unit_maps = st.dictionaries(st.sampled_from(NAMES), units, max_size=len(NAMES))


def test_hand_checked_trades():
    current = {"AAVE": 2 * E, "UNI": 50 * E, "SNX": 10 * E, "WETH": 10**16}
    target = {"AAVE": 1 * E, "UNI": 60 * E, "MKR": E // 10, "WETH": 10**16}
    result = plan_trades(current, target, 1_000 * E, PRICES, DECIMALS, dust_threshold=0.1)
    assert result.trades == (
        Trade("AAVE", "sell", 1_000 * E, 50 * E),  # 1 AAVE x 1000 sets x 0.05 WETH
        Trade("SNX", "sell", 10_000 * E, 10 * E, removes_component=True),  # absent from targets: all of it
        Trade("MKR", "buy", 100 * E, 60 * E),  # 0.1 MKR x 1000 x 0.6
        Trade("UNI", "buy", 10_000 * E, 20 * E),
    )
    assert result.dust == ()
    assert (result.weth_from_sells_wei, result.weth_for_buys_wei) == (60 * E, 80 * E)
    assert result.shortfall_wei == 20 * E and not result.funded
    funded = plan_trades(current, target, 1_000 * E, PRICES, DECIMALS, dust_threshold=0.1, weth_available_wei=20 * E)
    assert funded.funded and funded.trades == result.trades


def test_dust_in_weth_and_in_usd():
    current = {"LINK": 100 * E, "UNI": 100 * E}
    target = {"LINK": 101 * E, "UNI": 110 * E}
    # LINK: 1 x 10 sets x 0.004 = 0.04 WETH; UNI: 10 x 10 x 0.002 = 0.2 WETH
    in_weth = plan_trades(current, target, 10 * E, PRICES, DECIMALS, dust_threshold=0.05)
    assert [t.component for t in in_weth.trades] == ["UNI"]
    assert [t.component for t in in_weth.dust] == ["LINK"]
    in_usd = plan_trades(current, target, 10 * E, PRICES, DECIMALS, dust_threshold=100, dust_currency="USD", eth_price_usd=2_000)
    assert [t.component for t in in_usd.trades] == ["UNI"]  # LINK is worth 80 USD
    with pytest.raises(InvalidComponentData, match="ETH price"):
        plan_trades(current, target, 10 * E, PRICES, DECIMALS, dust_threshold=100, dust_currency="USD")


def test_a_removed_component_is_sold_entirely_even_when_tiny():
    result = plan_trades({"SNX": 1, "UNI": E}, {"SNX": 0, "UNI": E}, 10 * E, PRICES, DECIMALS, dust_threshold=1.0, balances={"SNX": 12})
    assert result.trades == (Trade("SNX", "sell", 12, 0, removes_component=True),)


def test_missing_prices_are_refused_only_for_components_that_trade():
    with pytest.raises(InvalidComponentData, match="YFI"):
        plan_trades({"YFI": E}, {"YFI": 2 * E}, E, PRICES, DECIMALS, dust_threshold=0)
    assert plan_trades({"YFI": E}, {"YFI": E}, E, PRICES, DECIMALS, dust_threshold=0).trades == ()


@settings(max_examples=200)
@given(current=unit_maps, target=unit_maps, supply=st.integers(0, 10**24), threshold=st.floats(0, 10))
def test_trades_follow_the_unit_changes(current, target, supply, threshold):
    result = plan_trades(current, target, supply, PRICES, DECIMALS, dust_threshold=threshold)
    sides = [t.side for t in result.trades]
    assert sides == sorted(sides, key=lambda side: side != "sell")
    traded = {t.component: t for t in result.trades + result.dust}
    for name in set(current) | set(target):
        now, then = current.get(name, 0), target.get(name, 0)
        if now == then:
            assert name not in traded
            continue
        trade = traded[name]
        held = now * supply // E
        if then == 0:
            assert trade.removes_component and trade.quantity == held and held - trade.quantity == 0
            assert trade in result.trades or trade.quantity == 0
        else:
            assert trade.quantity == abs(then - now) * supply // E
        assert trade.side == ("sell" if then < now else "buy")
        if trade.side == "sell":
            assert trade.quantity <= held
    assert result == plan_trades(dict(reversed(list(current.items()))), target, supply, PRICES, DECIMALS, dust_threshold=threshold)


@settings(max_examples=200)
@given(current=unit_maps, target=unit_maps, supply=st.integers(0, 10**24), data=st.data())
def test_sells_never_exceed_balances(current, target, supply, data):
    balances = {n: data.draw(st.integers(0, u * supply // E)) for n, u in sorted(current.items())}
    result = plan_trades(current, target, supply, PRICES, DECIMALS, dust_threshold=0, balances=balances)
    for trade in result.trades + result.dust:
        if trade.side == "sell":
            assert trade.quantity <= balances[trade.component]
            if trade.removes_component:
                assert trade.quantity == balances[trade.component]


@settings(max_examples=100)
@given(current=unit_maps, target=unit_maps, supply=st.integers(1, 10**24), available=st.integers(0, 10**22))
def test_shortfall_is_reported_not_scaled_away(current, target, supply, available):
    result = plan_trades(current, target, supply, PRICES, DECIMALS, dust_threshold=0, weth_available_wei=available)
    buys = sum(t.notional_wei for t in result.trades if t.side == "buy")
    sells = sum(t.notional_wei for t in result.trades if t.side == "sell")
    assert result.shortfall_wei == max(0, buys - sells - available)
    assert result.funded == (buys <= sells + available)
