"""Gas and wait flags take sane numbers only: nan, inf, absurd or negative values are one line naming the flag.

They are refused while the command line is read, before any file, config or chain is touched.
"""

from __future__ import annotations

import pytest

PRODUCTS_CHECK_WITHOUT_NETWORKS = 'default_network = "sandbox"\n'

FLAGS = [
    (("plan", "dpi"), "--gas-price"),
    (("execute", "plan.json"), "--max-gas-price"),
    (("execute", "plan.json"), "--max-gas-wait"),
    (("execute", "plan.json"), "--receipt-timeout"),
    (("safe", "exec", "x.safetx.json"), "--receipt-timeout"),
]


@pytest.mark.parametrize("value", ["inf", "nan", "-inf", "1e100", "-1", "ten"])
@pytest.mark.parametrize("command, flag", FLAGS, ids=[f"{c[0]}{f}" for c, f in FLAGS])
def test_a_bad_number_is_one_line_naming_the_flag(cli, command, flag, value):
    result = cli(*command, f"{flag}={value}")
    assert result.code == 2
    assert result.out == ""
    assert result.err.startswith(f"error: {flag} {value}: ") and result.err.count("\n") == 1, result.err


@pytest.mark.parametrize("flag, value, problem", [
    ("--gas-price", "1e100", "more than 1,000,000 gwei is not a gas price any chain charges"),
    ("--gas-price", "inf", "expected a finite gas price in gwei"),
    ("--gas-price", "-1", "a gas price cannot be negative"),
])
def test_the_gas_price_says_what_is_wrong(cli, flag, value, problem):
    assert cli("plan", "dpi", flag, value).err == f"error: {flag} {value}: {problem}\n"


def test_a_cap_of_zero_is_refused_and_waits_are_whole_seconds(cli):
    assert cli("execute", "plan.json", "--max-gas-price", "0").err == "error: --max-gas-price 0: a cap must be above 0 gwei\n"
    assert cli("execute", "plan.json", "--max-gas-wait", "2.5").err == (
        "error: --max-gas-wait 2.5: expected a whole number of seconds from 0 to 604,800\n"
    )


def test_debug_adds_the_traceback_and_keeps_the_exit_code(cli, tmp_path):
    bad = tmp_path / "products.toml"
    bad.write_text(PRODUCTS_CHECK_WITHOUT_NETWORKS)
    plain = cli("products", "check", "--config", bad)
    debug = cli("products", "check", "--config", bad, "--debug")
    assert plain.code == debug.code == 2
    assert "Traceback" not in plain.err and "Traceback" in debug.err
    assert debug.err.endswith(plain.err)
