"""`indexops safe info SAFE` on the sandbox: the mvi Safe as the chain has it, beside what products.toml says."""

from __future__ import annotations

import pytest

from tests.workflows.safe.conftest import create_nested_safe

pytestmark = pytest.mark.chain

ZERO = "0x" + "00" * 20


def test_the_mvi_safe_as_the_chain_and_the_products_file_have_it(safe_cli, w3, book, real):
    result = safe_cli("info", book["safe"]["safe"], "--json")
    assert result.code == 0, result.err
    info = result.json()
    safe = real("GnosisSafe", book["safe"]["safe"])
    assert (info["version"], info["threshold"], info["nonce"]) == ("1.3.0", 2, 0)
    assert info["owners"] == safe.functions.getOwners().call() == book["accounts"]["safe_owners"]
    assert (info["modules"], info["guard"]) == ([], ZERO)
    assert info["fallback_handler"] == book["safe"]["fallback_handler"]
    assert info["master_copy"] == book["safe"]["singleton"] and info["official_singleton"] is None
    assert info["products"] == [{"product": "mvi", "operator_is_safe": True, "roles_held": ["operator"]}]
    assert info["notices"] == [
        f"the singleton {book['safe']['singleton']} is not an official Safe deployment (a local or custom one)"]
    shown = safe_cli("info", book["safe"]["safe"])
    assert shown.code == 0 and "operates mvi" in shown.out and "on chain: operator" in shown.out


def test_a_safe_the_products_file_does_not_name_and_one_with_a_module(safe_cli, w3, book, real):
    other = create_nested_safe(w3, real, book, owner=7, salt=11)
    bound = real("GnosisSafe", other)
    w3.provider.make_request("anvil_impersonateAccount", [other])
    w3.provider.make_request("anvil_setBalance", [other, hex(10**18)])
    module = w3.eth.accounts[9]
    w3.eth.wait_for_transaction_receipt(bound.functions.enableModule(module).transact({"from": other}))
    w3.provider.make_request("anvil_stopImpersonatingAccount", [other])  # eth_accounts lists it until then
    result = safe_cli("info", other, "--json")
    assert result.code == 0, result.err
    info = result.json()
    assert info["modules"] == [module] and info["threshold"] == 1 and info["products"] == []
    assert f"module {module} is enabled: it can execute transactions from the Safe without owner signatures" in info[
        "notices"]
    assert any("no product of" in notice and "names this Safe as its operator on sandbox" in notice
               for notice in info["notices"])


def test_info_refuses_what_is_not_a_safe(safe_cli, book):
    refused = safe_cli("info", book["tokens"]["MANA"])
    assert refused.code == 2 and refused.err.count("\n") == 1 and "is not a Safe" in refused.err
    bad = safe_cli("info", "0x1234")
    assert bad.code == 2 and "SAFE: not an address" in bad.err


def test_info_compares_the_service_with_the_chain(safe_cli, book, standin):
    result = safe_cli("info", book["safe"]["safe"], "--service", standin.url, "--json")
    assert result.code == 0, result.err
    assert (result.json()["service"], result.json()["service_differences"]) == (standin.url, [])
