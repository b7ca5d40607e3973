"""Test-wide set-up: an isolated indexops home, and the shared sandbox toolchain."""

from __future__ import annotations

import os
import tempfile

from indexops.sandbox.toolchain import toolchain_dir

# Resolve the toolchain before moving INDEXOPS_HOME, so every run shares one npm install.
os.environ.setdefault("INDEXOPS_TOOLCHAIN_DIR", str(toolchain_dir()))
os.environ["INDEXOPS_HOME"] = tempfile.mkdtemp(prefix="indexops-test-home-")


import json as _json
from dataclasses import dataclass

import pytest

from indexops.chain.connection import connect
from indexops.cli.app import main
from indexops.sandbox import service
from indexops.sandbox.anvil import SANDBOX_CHAIN_ID, _free_port
from indexops.sandbox.artifacts import ArtifactStore
from indexops.sandbox.toolchain import install_toolchain


@dataclass
class CliResult:
    code: int
    out: str
    err: str

    def json(self):
        return _json.loads(self.out)


@pytest.fixture
def cli(capsys):
    """Run `indexops ARGS...` in-process through the real entry point."""

    def run(*args: str) -> CliResult:
        capsys.readouterr()
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


# ---- the sandbox chain: one per test session, reverted to a clean snapshot around each test ----


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
    return _json.loads(_json.dumps(sandbox.deployment))


@pytest.fixture
def real(w3, artifacts):
    """Contracts bound with the npm artifacts' own ABIs: an independent path from indexops' reader."""

    def bind(name: str, address: str):
        return w3.eth.contract(address=address, abi=artifacts.get(name).abi)

    return bind


def pytest_collection_modifyitems(items):
    """A test that uses the sandbox is a `chain` test, marked or not, so `-m "not chain"` runs only pure ones."""
    for item in items:
        if "sandbox" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.chain)
