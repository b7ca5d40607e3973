"""A sandbox chain for the whole integration session, reverted to a clean snapshot around each test."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from indexops.chain.connection import connect
from indexops.sandbox import service
from indexops.sandbox.anvil import SANDBOX_CHAIN_ID, _free_port
from indexops.sandbox.artifacts import ArtifactStore
from indexops.sandbox.toolchain import install_toolchain

REPO = Path(__file__).resolve().parents[2]
SHIPPED_PRODUCTS = REPO / "products.toml"


@pytest.fixture(scope="session")
def toolchain():
    return install_toolchain()


@pytest.fixture(scope="session")
def sandbox(toolchain):
    """The sandbox as `indexops sandbox up` leaves it: anvil plus the deployment address book."""
    status = service.up(port=_free_port(), toolchain=toolchain)
    yield status
    service.down()


@pytest.fixture(scope="session")
def artifacts(toolchain):
    return ArtifactStore(toolchain)


@pytest.fixture
def w3(sandbox):
    """web3 on the sandbox; every test starts from the freshly deployed state."""
    web3 = connect(sandbox.running.rpc_url, SANDBOX_CHAIN_ID).w3
    snapshot_id = web3.provider.make_request("evm_snapshot", [])["result"]
    yield web3
    web3.provider.make_request("evm_revert", [snapshot_id])


@pytest.fixture
def book(sandbox) -> dict:
    return json.loads(json.dumps(sandbox.deployment))


@pytest.fixture
def real(w3, artifacts):
    """Contracts bound with the npm artifacts' own ABIs: an independent path from indexops' reader."""

    def bind(name: str, address: str):
        return w3.eth.contract(address=address, abi=artifacts.get(name).abi)

    return bind
