"""`indexops lever settings` on the sandbox's real FlexibleLeverageStrategyExtension: every rule the contract
enforces is refused before anything is sent, with the contract's own message (checked against an eth_call of
the same setter), and accepted changes are sent by the operator in an order the contract accepts."""

from __future__ import annotations

import json

import pytest
from web3.exceptions import ContractLogicError

from tests.paths import SHIPPED_PRODUCTS

pytestmark = pytest.mark.chain

PRECISE = 10**18
FLI = "eth2x-fli"
UNI, SUSHI, V3 = "UniswapV2ExchangeAdapter", "SushiswapExchangeAdapter", "UniswapV3ExchangeAdapter"


def mined(w3, tx_hash) -> None:
    """Wait for the transaction's receipt (anvil answers eth_sendTransaction before its block is readable)."""
    assert w3.eth.wait_for_transaction_receipt(tx_hash, poll_latency=0.01).status == 1


@pytest.fixture
def settings(cli, tmp_path):
    """`indexops lever settings eth2x-fli ARGS`, journaled in this test's own journal."""

    def run(*args, product=FLI):
        return cli(
            "lever", "settings", product, "--config", SHIPPED_PRODUCTS, "--journal", tmp_path / "j.sqlite3", *args
        )

    return run


def strategy(real, book):
    return real("FlexibleLeverageStrategyExtension", book["leverage"]["products"][FLI]["strategy"])


def reverts_with(call, sender: str) -> str:
    with pytest.raises(ContractLogicError) as raised:
        call.call({"from": sender})
    return str(raised.value)


def _with(values, index: int, value):
    changed = list(values)
    changed[index] = value
    return tuple(changed)


# what --set says, the setter the contract would be sent, and the struct it would get (from the current one)
RULES = [
    ("min=2.1", "Must be valid min leverage", "setMethodologySettings", "getMethodology", 1, 21 * PRECISE // 10),
    ("max=1.9", "Must be valid max leverage", "setMethodologySettings", "getMethodology", 2, 19 * PRECISE // 10),
    ("recentering_speed=0", "Must be valid recentering speed", "setMethodologySettings", "getMethodology", 3, 0),
    (
        "recentering_speed=101%",
        "Must be valid recentering speed",
        "setMethodologySettings",
        "getMethodology",
        3,
        101 * PRECISE // 100,
    ),
    (
        "unutilized_leverage=1.01",
        "Unutilized leverage must be <100%",
        "setExecutionSettings",
        "getExecution",
        0,
        101 * PRECISE // 100,
    ),
    (
        "execution.slippage=150%",
        "Slippage tolerance must be <100%",
        "setExecutionSettings",
        "getExecution",
        1,
        15 * PRECISE // 10,
    ),
    (
        "incentive.slippage=2",
        "Incentivized slippage tolerance must be <100%",
        "setIncentiveSettings",
        "getIncentive",
        2,
        2 * PRECISE,
    ),
    (
        "ripcord=2.2x",
        "Incentivized leverage ratio must be > max leverage ratio",
        "setIncentiveSettings",
        "getIncentive",
        1,
        22 * PRECISE // 10,
    ),
    (
        "rebalance_interval=10s",
        "Rebalance interval must be greater than TWAP cooldown period",
        "setMethodologySettings",
        "getMethodology",
        4,
        10,
    ),
    (
        "execution.twap_cooldown=0",
        "TWAP cooldown must be greater than incentivized TWAP cooldown",
        "setExecutionSettings",
        "getExecution",
        2,
        0,
    ),
]


@pytest.mark.parametrize(("assignment", "message", "setter", "getter", "index", "value"), RULES)
def test_each_settings_rule_is_refused_with_the_contracts_message(
    settings, cli, sandbox, w3, book, real, tmp_path, assignment, message, setter, getter, index, value
):
    fli = strategy(real, book)
    operator = book["accounts"]["operator"]
    nonce = w3.eth.get_transaction_count(operator)
    result = settings("--set", assignment, "--account", "1", "--yes", "--out", tmp_path / "s.json")
    assert result.code == 2
    assert result.err == f"error: {setter}: the strategy would revert: {message}\n"
    assert w3.eth.get_transaction_count(operator) == nonce
    assert not (tmp_path / "s.json").exists()
    new = _with(getattr(fli.functions, getter)().call(), index, value)
    assert message in reverts_with(getattr(fli.functions, setter)(new), operator)  # the contract says the same


def test_exchange_rules_are_refused_with_the_contracts_messages(settings, cli, sandbox, w3, book, real):
    fli = strategy(real, book)
    operator = book["accounts"]["operator"]
    nonce = w3.eth.get_transaction_count(operator)
    zero = settings("--set", f"exchange.{UNI}.twap_max_trade_size=0", "--account", "1", "--yes")
    assert (
        zero.err
        == f"error: updateEnabledExchange({UNI!r}): the strategy would revert: Max TWAP trade size must not be 0\n"
    )
    current = fli.functions.getExchangeSettings(UNI).call()
    assert "Max TWAP trade size must not be 0" in reverts_with(
        fli.functions.updateEnabledExchange(UNI, _with(current, 0, 0)), operator
    )

    twice = settings("--add-exchange", UNI, "--set", f"exchange.{UNI}.twap_max_trade_size=1", "--account", "1")
    assert twice.err == f"error: --add-exchange {UNI}: the strategy would revert: Exchange already enabled\n"
    assert "Exchange already enabled" in reverts_with(fli.functions.addEnabledExchange(UNI, current), operator)

    absent = settings("--remove-exchange", V3, "--account", "1")
    assert absent.err == f"error: --remove-exchange {V3}: the strategy would revert: Exchange not enabled\n"
    assert "Exchange not enabled" in reverts_with(fli.functions.removeEnabledExchange(V3), operator)
    update = settings("--set", f"exchange.{V3}.twap_max_trade_size=5", "--account", "1")
    assert (
        update.code == 2 and "Exchange not enabled (add it with --add-exchange UniswapV3ExchangeAdapter)" in update.err
    )
    assert "Exchange not enabled" in reverts_with(fli.functions.updateEnabledExchange(V3, current), operator)

    no_size = settings("--add-exchange", V3, "--account", "1")
    assert no_size.code == 2 and "Max TWAP trade size must not be 0" in no_size.err
    unknown = settings("--add-exchange", "Nowhere", "--set", "exchange.Nowhere.twap_max_trade_size=1")
    assert unknown.code == 2 and unknown.err.startswith("error: --add-exchange Nowhere: unknown exchange: ")
    assert w3.eth.get_transaction_count(operator) == nonce


def test_no_settings_change_during_a_rebalance(settings, cli, sandbox, w3, book, real):
    fli = strategy(real, book)
    operator, keeper = book["accounts"]["operator"], book["accounts"]["keeper"]
    for name in (UNI, SUSHI):  # small chunks, so the next rebalance is a TWAP
        smaller = _with(fli.functions.getExchangeSettings(name).call(), 0, PRECISE)
        mined(w3, fli.functions.updateEnabledExchange(name, smaller).transact({"from": operator}))
    assert cli("sandbox", "price", "ETH", "--by", "-15").code == 0  # above the maximum: rebalance at once
    mined(w3, fli.functions.rebalance(UNI).transact({"from": keeper, "gas": 3_000_000}))
    assert fli.functions.twapLeverageRatio().call() > 0
    nonce = w3.eth.get_transaction_count(operator)
    result = settings("--set", "target=2.1", "--account", "1", "--yes")
    assert result.err == (
        "error: setMethodologySettings: the strategy would revert: Rebalance is currently in "
        "progress (a TWAP is under way)\n"
    )
    assert "Rebalance is currently in progress" in reverts_with(
        fli.functions.setMethodologySettings(_with(fli.functions.getMethodology().call(), 0, 21 * PRECISE // 10)),
        operator,
    )
    assert w3.eth.get_transaction_count(operator) == nonce
    # exchanges may change during a rebalance, as the contract allows
    allowed = settings("--set", f"exchange.{SUSHI}.twap_max_trade_size=2", "--account", "1", "--yes")
    assert allowed.code == 0, allowed.err
    assert fli.functions.getExchangeSettings(SUSHI).call()[0] == 2 * PRECISE


def test_a_signer_without_the_operator_role_sends_nothing(settings, cli, sandbox, w3, book):
    stranger = w3.eth.accounts[5]
    nonce = w3.eth.get_transaction_count(stranger)
    result = settings("--set", "target=2.1", "--account", "5", "--yes")
    assert result.code == 2
    assert result.err == (
        f"error: step 0 needs the operator role, which {stranger} does not hold "
        f"(held by {book['accounts']['operator']}): choose the right signer with --account\n"
    )
    assert w3.eth.get_transaction_count(stranger) == nonce


def test_bad_keys_and_values_are_one_line(settings, cli, sandbox, w3):
    for args, expected in [
        (
            ("--set", "slippage=0.01"),
            "error: --set slippage: ambiguous, say execution.slippage or incentive.slippage\n",
        ),
        (("--set", "target=two"), "error: --set target=two: not a ratio (2.1 or 2.1x)\n"),
        (("--set", "target"), "error: --set target: expected KEY=VALUE\n"),
        (
            ("--set", "rebalance_interval=1 week"),
            "error: --set rebalance_interval=1 week: not a duration (seconds, or 30s, 5min, 1h, 1d)\n",
        ),
        (
            ("--set", "target=2.0000000000000000001"),
            "error: --set target=2.0000000000000000001: more decimals than the contract holds\n",
        ),
        (("--set", "target=2"), "error: nothing to change: every setting given already holds that value\n"),
    ]:
        result = settings(*args, "--account", "1", "--yes")
        assert (result.code, result.err) == (2, expected), args
    unknown = settings("--set", "speed=1")
    assert unknown.code == 2 and unknown.err.startswith(
        "error: --set speed: unknown setting (known: methodology.target"
    )


def test_changes_are_sent_in_an_order_the_contract_accepts(settings, cli, sandbox, w3, book, real):
    fli = strategy(real, book)
    result = settings(
        "--set", "max=2.8", "--set", "ripcord=3x", "--set", "ether_reward=1.5", "--account", "1", "--yes", "--json"
    )
    assert result.code == 0, result.err
    lines = [json.loads(line) for line in result.out.splitlines()]
    summary = lines[-1]
    assert summary["event"] == "settings"
    assert summary["calls"] == ["setIncentiveSettings", "setMethodologySettings"]  # the ripcord first: max <= ripcord
    assert {c["setting"]: (c["old"], c["new"]) for c in summary["changes"]} == {
        "incentive.ether_reward": ("1 ETH", "1.5 ETH"),
        "incentive.ripcord": ("2.7x", "3x"),
        "methodology.max": ("2.3x", "2.8x"),
    }
    assert [e["event"] for e in lines[:-1]].count("mined") == 2
    assert fli.functions.getMethodology().call()[2] == 28 * PRECISE // 10
    assert tuple(fli.functions.getIncentive().call()[:2]) == (15 * PRECISE // 10, 3 * PRECISE)


def test_exchanges_are_added_updated_and_removed(settings, cli, sandbox, w3, book, real):
    fli = strategy(real, book)
    added = settings(
        "--add-exchange",
        V3,
        "--set",
        f"exchange.{V3}.twap_max_trade_size=50",
        "--set",
        f"exchange.{V3}.incentivized_twap_max_trade_size=100",
        "--set",
        f"exchange.{V3}.lever_exchange_data=0x000bb8",
        "--account",
        "1",
        "--yes",
    )
    assert added.code == 0, added.err
    assert fli.functions.getEnabledExchanges().call() == [UNI, SUSHI, V3]
    assert tuple(fli.functions.getExchangeSettings(V3).call()) == (
        50 * PRECISE,
        0,
        100 * PRECISE,
        bytes.fromhex("000bb8"),
        b"",
    )
    smaller = settings("--set", f"exchange.{UNI}.incentivized_twap_max_trade_size=100", "--account", "1", "--yes")
    assert smaller.code == 0, smaller.err
    assert f"note: exchange {UNI}: its ripcord chunk (incentivized_twap_max_trade_size) is below its TWAP chunk" in (
        " ".join(smaller.err.split())
    )
    removed = settings("--remove-exchange", V3, "--account", "1", "--yes")
    assert removed.code == 0, removed.err
    assert fli.functions.getEnabledExchanges().call() == [UNI, SUSHI]
