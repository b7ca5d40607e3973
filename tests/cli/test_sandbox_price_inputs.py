"""`indexops sandbox price`: bad input is one line and exit 2, before any chain is touched."""

from __future__ import annotations

import pytest

CASES = [
    (("DOGE", "--by", "-25"), "unknown symbol 'DOGE': the sandbox prices WETH (ETH), WBTC (BTC), USDC"),
    (("UNI", "--to", "5"), "unknown symbol 'UNI': the sandbox prices WETH (ETH), WBTC (BTC), USDC"),
    (("WETH",), "give exactly one of --by PCT or --to USD"),
    (("WETH", "--by", "-25", "--to", "2000"), "give exactly one of --by PCT or --to USD"),
    (("WETH", "--by", "-100"), "--by -100: a price cannot fall by 100% or more"),
    (("WETH", "--by", "-250"), "--by -250: a price cannot fall by 100% or more"),
    (("WETH", "--by", "nan"), "--by nan: expected a finite move in percent"),
    (("WETH", "--by", "inf"), "--by inf: expected a finite move in percent"),
    (("WETH", "--by", "-inf"), "--by -inf: expected a finite move in percent"),
    (("WETH", "--by", "ten"), "--by ten: expected a move in percent, e.g. -25 or 10"),
    (("WBTC", "--to", "0"), "--to 0: expected a finite price in USD above 0"),
    (("WBTC", "--to", "-5"), "--to -5: expected a finite price in USD above 0"),
    (("WBTC", "--to", "nan"), "--to nan: expected a finite price in USD above 0"),
    (("WBTC", "--to", "inf"), "--to inf: expected a finite price in USD above 0"),
]


@pytest.mark.parametrize(("arguments", "message"), CASES, ids=[" ".join(a) for a, _ in CASES])
def test_bad_input_is_one_line_and_exit_2(cli, arguments, message):
    result = cli("sandbox", "price", *arguments)
    assert (result.code, result.out, result.err) == (2, "", f"error: {message}\n")


def test_a_good_move_without_a_sandbox_says_how_to_start_one(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("INDEXOPS_HOME", str(tmp_path))  # never the session's sandbox, if one is up
    result = cli("sandbox", "price", "eth", "--by", "10")
    assert (result.code, result.out) == (2, "")
    assert result.err == "error: the sandbox is not running: start it with `indexops sandbox up`\n"
