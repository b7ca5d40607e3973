"""Several RPC URLs through the real entry point: from products.toml's rpc_urls or a repeated / comma-separated
--rpc-url; an endpoint on another chain, or every endpoint dead, is one line naming them without credentials."""

from __future__ import annotations

from pathlib import Path

from indexops.cli.command_line import URL_PLACEHOLDER, shown_command
from indexops.sandbox.anvil import _free_port
from tests.chain.scripted_rpc import ScriptedRpc
from tests.paths import SHIPPED_PRODUCTS

SHIPPED_RPC = 'rpc_url = "${ETH_RPC_URL}"\n'


def products_with_two_urls(tmp_path: Path) -> Path:
    text = Path(SHIPPED_PRODUCTS).read_text(encoding="utf-8")
    assert text.count(SHIPPED_RPC) == 1
    path = tmp_path / "products.toml"
    path.write_text(text.replace(SHIPPED_RPC, 'rpc_urls = ["${ETH_RPC_URL}", "${BACKUP_RPC_URL}"]\n'), encoding="utf-8")
    return path


def test_an_endpoint_of_the_configured_list_on_another_chain_is_refused_in_one_line(cli, tmp_path, monkeypatch):
    config = products_with_two_urls(tmp_path)
    with ScriptedRpc(results={"eth_chainId": "0x1"}) as mainnet, ScriptedRpc(results={"eth_chainId": "0x5"}) as other:
        monkeypatch.setenv("ETH_RPC_URL", f"{mainnet.url}/v2/SECRETKEY")
        monkeypatch.setenv("BACKUP_RPC_URL", f"{other.url}/?apikey=SECRET2")
        result = cli("status", "dpi", "--network", "mainnet", "--config", config)
    assert result.code == 1 and result.out == ""
    assert result.err == (
        f"error: wrong chain: {other.url} is chain 5 but {mainnet.url} is chain 1: "
        "every RPC URL of a network must reach the same chain\n"
    )
    assert [m for m in mainnet.methods] == [["eth_chainId"]] and other.methods == [["eth_chainId"]]


def test_a_missing_variable_of_the_list_is_named(cli, tmp_path, monkeypatch):
    config = products_with_two_urls(tmp_path)
    monkeypatch.setenv("ETH_RPC_URL", "https://eth.example/v2/SECRETKEY")
    monkeypatch.delenv("BACKUP_RPC_URL", raising=False)
    result = cli("status", "dpi", "--network", "mainnet", "--config", config)
    assert result.code == 2
    assert result.err == (
        f"error: {config}: networks.mainnet.rpc_urls.1: environment variable BACKUP_RPC_URL is not set "
        "(export it, or pass --rpc-url)\n"
    )


def test_every_url_dead_is_one_line_naming_them_all(cli):
    dead = [f"http://127.0.0.1:{_free_port()}" for _ in range(3)]
    result = cli(
        "status", "dpi", "--config", SHIPPED_PRODUCTS,
        "--rpc-url", f"{dead[0]}/v2/SECRETKEY", "--rpc-url", f"{dead[1]}/k/SECRET2,{dead[2]}",
    )  # fmt: skip
    assert result.code == 1
    assert result.err == (
        f"error: cannot reach the RPC at {', '.join(dead)} (connection refused): "
        "check --rpc-url or that the node is running\n"
    )


def test_a_repeated_rpc_url_reaches_the_second_and_debug_says_so(cli):
    dead = f"http://127.0.0.1:{_free_port()}"
    with ScriptedRpc(results={"eth_chainId": "0x5"}) as alive:  # another chain than the sandbox's: stops there
        result = cli(
            "status", "dpi", "--config", SHIPPED_PRODUCTS, "--debug", "--rpc-url", dead, "--rpc-url", alive.url
        )
    lines = result.err.splitlines()  # --debug: the failover, a traceback, then the error
    assert lines[0] == f"RPC failover: {dead} -> {alive.url} (connection refused)"
    assert lines[-1] == f"error: wrong chain: network 'sandbox' expects chain id 31337 but {alive.url} is chain 5"
    assert alive.methods == [["eth_chainId"]]


def test_a_bad_url_on_the_command_line_is_a_usage_error():
    from indexops.cli.app import main

    assert main(["status", "dpi", "--config", str(SHIPPED_PRODUCTS), "--rpc-url", "127.0.0.1:8545"]) == 2


def test_the_command_shown_back_hides_credentials_in_each_url_of_a_list():
    shown = shown_command(["status", "dpi", "--rpc-url", "http://127.0.0.1:8545,https://eth.example/v2/SECRETKEY"])
    assert shown == f"indexops status dpi --rpc-url 'http://127.0.0.1:8545,{URL_PLACEHOLDER}'"
    shown = shown_command(["status", "--rpc-url=https://a.example/K1,http://b.example:1", "--rpc-url", "http://c:2"])
    assert shown == f"indexops status '--rpc-url={URL_PLACEHOLDER},http://b.example:1' --rpc-url http://c:2"
