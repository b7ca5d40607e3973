"""Bad inputs to `plan` and `execute` on the sandbox: each is one line naming what the user typed."""

from __future__ import annotations

import re
import time

import pytest

from tests.execution.test_execute import execute_args, make_plan
from tests.paths import SHIPPED_PRODUCTS

pytestmark = pytest.mark.chain


def test_signer_errors_name_the_flag_given_whatever_debug_says(cli, sandbox, w3, tmp_path):
    path = make_plan(cli, tmp_path, "dpi", "--gas-price", "30")
    journal = tmp_path / "j.sqlite3"
    trader = cli(*execute_args(path, journal, "--account", "1", "--trader", "10"))
    assert (trader.code, trader.err) == (2, "error: --trader 10: anvil dev accounts are numbered 0 to 9\n")
    negative = cli(*execute_args(path, journal, "--account", "-1", "--trader", "3"))
    assert (negative.code, negative.err) == (2, "error: --account -1: anvil dev accounts are numbered 0 to 9\n")
    rehearsed = cli("execute", path, "--config", SHIPPED_PRODUCTS, "--rehearse", "--trader", "-3")
    assert (rehearsed.code, rehearsed.err) == (2, "error: --trader -3: the sandbox has dev accounts 0..9\n")

    debug = cli(*execute_args(path, journal, "--account", "1", "--trader", "10", "--debug"))
    assert debug.code == 2
    assert "Traceback" in debug.err and debug.err.endswith(trader.err)


def test_the_gas_wait_shows_small_fees_and_never_outlasts_max_gas_wait(cli, sandbox, w3, book, tmp_path):
    path = make_plan(cli, tmp_path, "dpi", "--gas-price", "30")
    operator = book["products"]["dpi"]["operator"]
    nonce = w3.eth.get_transaction_count(operator)
    w3.provider.make_request("anvil_setNextBlockBaseFeePerGas", [hex(2_000_000)])  # 0.002 gwei
    w3.provider.make_request("evm_mine", [])
    try:
        started = time.monotonic()
        result = cli(*execute_args(path, tmp_path / "j.sqlite3", "--account", "1", "--trader", "3",
                                   "--max-gas-price", "0.001", "--max-gas-wait", "3"))
        elapsed = time.monotonic() - started
    finally:  # the base fee is chain state the snapshot revert does not bring back
        w3.provider.make_request("anvil_setNextBlockBaseFeePerGas", [hex(10**9)])
        w3.provider.make_request("evm_mine", [])
    assert result.code == 1
    fee = r"0\.00[1-9][0-9]* gwei"  # about 0.002 gwei (empty blocks lower it), with its significant digits
    assert re.fullmatch(f"error: the base fee is {fee}, above the cap of 0.001 gwei after waiting 3 s: "
                        "nothing was sent; raise --max-gas-price or retry later\n", result.err), result.err
    assert re.search(f"base fee {fee} above the cap of 0.001 gwei; waiting \\(3 s left\\)", result.out), result.out
    assert elapsed < 3 + 4  # the 3 s asked for, and the run's own reads: not a 5 s poll and more
    assert w3.eth.get_transaction_count(operator) == nonce


def test_a_gas_price_that_costs_more_than_the_set_names_the_flag(cli, sandbox, w3, tmp_path):
    result = cli("plan", "dpi", "--config", SHIPPED_PRODUCTS, "--out", tmp_path / "p.json", "--gas-price", "1000000")
    assert result.code == 2
    assert result.err.startswith("error: at a gas price of 1,000,000.00 gwei the trades would cost ")
    assert result.err.endswith("plan with a lower --gas-price.\n") and result.err.count("\n") == 1
