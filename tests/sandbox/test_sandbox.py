"""The sandbox's life cycle and the shipped products.toml agreeing with what it deploys."""

from __future__ import annotations

import pytest

from indexops.chain.uniswap import pair_address
from indexops.config.loader import load_config
from indexops.sandbox import scenario
from tests.paths import SHIPPED_PRODUCTS

pytestmark = pytest.mark.chain


def test_shipped_products_file_matches_the_deployment(book):
    config = load_config(SHIPPED_PRODUCTS).file
    network = config.networks["sandbox"]
    assert {s: t.address for s, t in network.tokens.items()} == book["tokens"]
    for name, venue in network.venues.items():
        assert (venue.factory, venue.router) == (book["venues"][name]["factory"], book["venues"][name]["router"])
    assert network.contracts.multisend_call_only == book["safe"]["multisend_call_only"]
    for key, deployed in book["products"].items():
        d = config.products[key].deployments["sandbox"]
        assert (d.set_token, d.manager, d.operator, d.methodologist) == (
            deployed["set_token"], deployed["base_manager"], deployed["operator"], deployed["methodologist"]
        )
        assert d.allowed_traders == (deployed["trader"],)
        assert d.extensions == {"gim": deployed["gim_extension"], "fee_split": deployed["fee_split_extension"]}
        assert dict(d.modules) == {k: book["modules"][k] for k in d.modules}


def test_products_check_against_the_sandbox_passes(cli, sandbox):
    result = cli("products", "check", "--config", SHIPPED_PRODUCTS, "--network", "sandbox")
    assert result.code == 0, result.err
    assert "every configured address has code" in result.out


def test_products_check_reports_a_wrong_operator(cli, sandbox, tmp_path):
    wrong = "0x976EA74026E726554dB657fA54763abd0C3a0aa9"
    text = SHIPPED_PRODUCTS.read_text().replace(
        'operator = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"', f'operator = "{wrong}"'
    )
    config = tmp_path / "products.toml"
    config.write_text(text)
    result = cli("products", "check", "--config", config, "--network", "sandbox")
    assert result.code == 2
    assert result.err == (
        f"error: {config}: products.dpi.deployments.sandbox.operator: configured {wrong} "
        "but the chain says 0x70997970C51812dc3A010C7d01b50e0d17dc79C8\n"
    )


def test_pair_addresses_are_computed_as_the_factory_creates_them(book, real):
    factory = real("UniswapV2Factory", book["venues"]["sushiswap"]["factory"])
    for symbol in ("UNI", "SUSHI", "AXS"):
        expected = factory.functions.getPair(book["tokens"][symbol], book["tokens"]["WETH"]).call()
        computed = pair_address(factory.address, book["tokens"][symbol], book["tokens"]["WETH"],
                                "0x96e8ac4277198ff8b6f785478aa9a39f403cb768dd02cbee326c3e7da348845f")
        assert computed == expected


def test_the_deployment_matches_the_scenario(w3, book, real):
    safe = real("GnosisSafe", book["safe"]["safe"])
    assert sorted(safe.functions.getOwners().call()) == sorted(book["accounts"]["safe_owners"])
    assert safe.functions.getThreshold().call() == scenario.SAFE_THRESHOLD
    assert safe.functions.VERSION().call() == "1.3.0"
    for spec in scenario.PRODUCTS:
        set_token = real("SetToken", book["products"][spec.key]["set_token"])
        assert set_token.functions.totalSupply().call() == spec.supply * 10**18
        assert len(set_token.functions.getComponents().call()) == len(spec.weights)
    gala = real("StandardTokenMock", book["tokens"]["GALA"])
    assert gala.functions.decimals().call() == 8
    assert len(scenario.DPI.weights) >= 11 and "WETH" in scenario.DPI.weights


def test_up_is_idempotent_and_status_reports_it(cli, sandbox):
    again = cli("sandbox", "up", "--json")
    assert again.code == 0
    assert again.json()["already_up"] is True and again.json()["pid"] == sandbox.running.pid
    current = cli("sandbox", "status", "--json").json()
    assert current["running"] and current["rpc_url"] == sandbox.running.rpc_url


def test_reset_redeploys_the_same_addresses(cli, sandbox, book, artifacts):
    from indexops.chain.connection import connect

    w3 = connect(sandbox.running.rpc_url).w3  # no snapshot/revert around this test: reset replaces the chain
    set_token = w3.eth.contract(address=book["products"]["dpi"]["set_token"], abi=artifacts.get("SetToken").abi)
    issuance = w3.eth.contract(address=book["modules"]["basic_issuance"], abi=artifacts.get("BasicIssuanceModule").abi)
    deployer = book["accounts"]["deployer"]
    tx = issuance.functions.redeem(set_token.address, 10**18, deployer).transact({"from": deployer})
    assert w3.eth.wait_for_transaction_receipt(tx).status == 1
    assert set_token.functions.totalSupply().call() == (scenario.DPI.supply - 1) * 10**18
    result = cli("sandbox", "reset", "--json")
    assert result.code == 0, result.err
    assert result.json()["deployment"] == book
    assert result.json()["pid"] == sandbox.running.pid
    assert set_token.functions.totalSupply().call() == scenario.DPI.supply * 10**18


def test_down_stops_only_its_own_anvil(tmp_path, toolchain, monkeypatch):
    from indexops.sandbox import anvil, service

    monkeypatch.setenv("INDEXOPS_HOME", str(tmp_path / "someone-else"))
    theirs = anvil.start_anvil(toolchain.anvil, anvil._free_port())
    monkeypatch.setenv("INDEXOPS_HOME", str(tmp_path / "mine"))
    try:
        assert service.down() is None  # nothing of ours runs in this home
        mine = anvil.start_anvil(toolchain.anvil, anvil._free_port())
        assert service.down().pid == mine.pid
        assert not anvil._pid_alive(mine.pid)
        assert anvil._pid_alive(theirs.pid)
    finally:
        anvil.stop_anvil(theirs)
