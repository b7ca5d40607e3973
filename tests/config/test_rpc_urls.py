"""Several RPC URLs per network: `rpc_urls = [...]` in order, `rpc_url` as a list of one, `--rpc-url` repeated or
comma-separated; each URL checked and filled in from the environment, none ever repeated in a message."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexops.config.loader import LoadedConfig, parse_products
from indexops.config.selection import choose_network, resolve_rpc_url, resolve_rpc_urls, split_rpc_urls
from indexops.errors import ConfigError, UsageError
from tests.products_base import BASE, MAINNET_RPC, edit

SOURCE = "products.toml"
TWO = 'rpc_urls = ["https://eth.example/v2/${ETH_RPC_KEY}", "https://backup.example/${BACKUP_KEY}"]\n'
ENV = {"ETH_RPC_KEY": "k1", "BACKUP_KEY": "k2"}


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_products(text, source=SOURCE)
    assert caught.value.exit_code == 2
    return caught.value.problems


def mainnet(text: str):
    return choose_network(LoadedConfig(path=Path(SOURCE), file=parse_products(text, source=SOURCE)), "mainnet")


def usage_error(call) -> str:
    with pytest.raises(UsageError) as caught:
        call()
    assert caught.value.exit_code == 2
    return str(caught.value)


def no_sandbox() -> str | None:
    return None


def test_rpc_urls_are_filled_in_and_kept_in_order():
    where = mainnet(edit(BASE, (MAINNET_RPC, TWO)))
    assert resolve_rpc_urls(where, None, no_sandbox, environ=ENV) == (
        "https://eth.example/v2/k1",
        "https://backup.example/k2",
    )
    assert resolve_rpc_url(where, None, no_sandbox, environ=ENV) == "https://eth.example/v2/k1"


def test_rpc_url_is_a_list_of_one():
    assert resolve_rpc_urls(mainnet(BASE), None, no_sandbox, environ=ENV) == ("https://eth.example/v2/k1",)


def test_a_missing_variable_names_the_url_it_is_in():
    where = mainnet(edit(BASE, (MAINNET_RPC, TWO)))
    assert usage_error(lambda: resolve_rpc_urls(where, None, no_sandbox, environ={"ETH_RPC_KEY": "k1"})) == (
        f"{SOURCE}: networks.mainnet.rpc_urls.1: environment variable BACKUP_KEY is not set "
        "(export it, or pass --rpc-url)"
    )


def test_a_variable_that_fills_in_no_url_is_refused_without_its_value():
    where = mainnet(edit(BASE, (MAINNET_RPC, 'rpc_urls = ["${ETH_RPC_URL}"]\n')))
    message = usage_error(lambda: resolve_rpc_urls(where, None, no_sandbox, environ={"ETH_RPC_URL": "eth.example/KEY"}))
    assert message == (
        f"{SOURCE}: networks.mainnet.rpc_urls.0: not an RPC URL: must start with http:// or https:// "
        "(or be a ${NAME} holding one) (once the environment is filled in)"
    )


def test_both_keys_are_one_line():
    assert problems(edit(BASE, (MAINNET_RPC, MAINNET_RPC + TWO))) == [
        f"{SOURCE}: networks.mainnet: both rpc_url and rpc_urls: give one of them (rpc_urls = [...] for several)"
    ]


def test_an_empty_list_is_one_line():
    assert problems(edit(BASE, (MAINNET_RPC, "rpc_urls = []\n"))) == [
        f"{SOURCE}: networks.mainnet.rpc_urls: empty: give at least one URL, or leave rpc_urls out"
    ]


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("ftp://eth.example/KEY", "not an RPC URL: must start with http:// or https:// (or be a ${NAME} holding one)"),
        ("eth.example/v2/KEY", "not an RPC URL: must start with http:// or https:// (or be a ${NAME} holding one)"),
        ("https:///v2/KEY", "not an RPC URL: no host after https://"),
        ("https://eth.example:port/KEY", "not an RPC URL: its port is not a number (after https://)"),
        ("https://eth.example/v2/KEY oops", "not an RPC URL: it contains whitespace"),
        (
            "https://a.example/KEY,https://b.example",
            "not an RPC URL: it contains a comma (give several URLs as rpc_urls = [...])",
        ),
        ("https://eth.example/${KEY", "not an RPC URL: an unclosed or malformed ${NAME} reference"),
        ("", "empty: give an http:// or https:// URL"),
    ],
)
def test_a_bad_url_is_one_line_that_does_not_repeat_it(url, problem):
    listed = problems(edit(BASE, (MAINNET_RPC, f'rpc_urls = ["https://ok.example", "{url}"]\n')))
    assert listed == [f"{SOURCE}: networks.mainnet.rpc_urls.1: {problem}"]
    single = problems(edit(BASE, (MAINNET_RPC, f'rpc_url = "{url}"\n')))
    assert single == [f"{SOURCE}: networks.mainnet.rpc_url: {problem}"]
    assert "KEY" not in listed[0].replace("${NAME}", "") and "KEY" not in single[0].replace("${NAME}", "")


def test_urls_that_are_right_pass():
    for url in ("${ETH_RPC_URL}", "http://127.0.0.1:8545", "https://${HOST}/v2/${KEY}", "https://[::1]:8545/x?k=1"):
        assert mainnet(edit(BASE, (MAINNET_RPC, f'rpc_urls = ["{url}"]\n'))).network.rpc_urls == (url,)


def test_rpc_timeout_is_checked():
    assert problems(edit(BASE, (MAINNET_RPC, MAINNET_RPC + "rpc_timeout_seconds = 0\n"))) == [
        f"{SOURCE}: networks.mainnet.rpc_timeout_seconds: must be greater than 0 (got 0)"
    ]
    assert (
        mainnet(edit(BASE, (MAINNET_RPC, MAINNET_RPC + "rpc_timeout_seconds = 2\n"))).network.rpc_timeout_seconds == 2
    )


def test_the_command_line_gives_the_list_repeated_or_comma_separated():
    assert split_rpc_urls(["http://a:1,http://b:2", " http://c:3 "]) == ("http://a:1", "http://b:2", "http://c:3")
    assert split_rpc_urls("http://a:1") == ("http://a:1",)
    assert split_rpc_urls(None) == split_rpc_urls([]) == ()
    where = mainnet(BASE)
    assert resolve_rpc_urls(where, ["http://a:1", "http://b:2"], no_sandbox, environ={}) == ("http://a:1", "http://b:2")
    assert usage_error(lambda: resolve_rpc_urls(where, ["http://a:1", "a.example/KEY"], no_sandbox, environ={})) == (
        "--rpc-url: not an RPC URL: must start with http:// or https:// (or be a ${NAME} holding one)"
    )


def test_the_sandbox_is_still_found_when_nothing_is_configured():
    where = choose_network(LoadedConfig(path=Path(SOURCE), file=parse_products(BASE, source=SOURCE)), "sandbox")
    assert resolve_rpc_urls(where, None, lambda: "http://127.0.0.1:18545", environ={}) == ("http://127.0.0.1:18545",)
