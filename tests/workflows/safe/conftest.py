"""The sandbox's Safe verbs' shared pieces: a Transaction Service stand-in on the sandbox chain, the CLI with the
shipped products file, an mvi plan, and a Safe owned by anvil account 7 made an owner of the mvi Safe."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.paths import SHIPPED_PRODUCTS

NESTED_OWNER = 7  # anvil account that owns the Safe acting as a contract owner
ZERO = "0x" + "00" * 20


@pytest.fixture
def standin(sandbox, w3, monkeypatch):
    """A Transaction Service for the sandbox chain, started after the test's snapshot (so it sees only its blocks)."""
    pytest.importorskip("safe_eth", reason="the stand-in validates as the real service does, with safe-eth-py")
    from tests.safe.service_standin import StandInService

    monkeypatch.delenv("SAFE_TRANSACTION_SERVICE_URL", raising=False)
    monkeypatch.delenv("SAFE_TRANSACTION_SERVICE_API_KEY", raising=False)
    service = StandInService(sandbox.running.rpc_url, 31337).start()
    yield service
    service.stop()


@pytest.fixture
def safe_cli(cli):
    def run(*args):
        return cli("safe", *args, "--config", SHIPPED_PRODUCTS)

    return run


@pytest.fixture
def mvi_plan(cli, w3, tmp_path) -> Path:
    plan = tmp_path / "mvi.plan.json"
    made = cli("plan", "mvi", "--config", SHIPPED_PRODUCTS, "--gas-price", "30", "--out", plan, "--json")
    assert made.code == 0, made.err
    return plan


def create_nested_safe(w3, real, book, owner: int = NESTED_OWNER, salt: int = 7) -> str:
    """A Safe 1.3.0 owned by anvil account `owner` alone, with the sandbox's CompatibilityFallbackHandler."""
    singleton = real("GnosisSafe", book["safe"]["singleton"])
    setup = singleton.encode_abi("setup", args=[[w3.eth.accounts[owner]], 1, ZERO, b"", book["safe"]["fallback_handler"],
                                                ZERO, 0, ZERO])
    factory = real("GnosisSafeProxyFactory", book["safe"]["proxy_factory"])
    create = factory.functions.createProxyWithNonce(singleton.address, setup, salt)
    nested = create.call({"from": w3.eth.accounts[0]})
    w3.eth.wait_for_transaction_receipt(create.transact({"from": w3.eth.accounts[0]}))
    return nested


def add_owner(w3, real, book, owner: str, threshold: int) -> None:
    """addOwnerWithThreshold as the Safe itself would run it (impersonated: the test's set-up, not what is tested)."""
    safe = real("GnosisSafe", book["safe"]["safe"])
    w3.provider.make_request("anvil_impersonateAccount", [safe.address])
    w3.provider.make_request("anvil_setBalance", [safe.address, hex(10**18)])
    w3.eth.wait_for_transaction_receipt(safe.functions.addOwnerWithThreshold(owner, threshold).transact({"from": safe.address}))
    w3.provider.make_request("anvil_stopImpersonatingAccount", [safe.address])


@pytest.fixture
def nested(w3, real, book) -> str:
    """A Safe owned by account 7, made a fourth owner of the mvi Safe (threshold stays 2)."""
    address = create_nested_safe(w3, real, book)
    add_owner(w3, real, book, address, 2)
    return address
