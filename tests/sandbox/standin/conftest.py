"""A self-contained chain for the manager stand-in: anvil, the real Set V2 contracts from the npm
artifacts, Uniswap V2 with pools, the compiled stand-in, and one SetToken created through the
DelegatedManagerFactory with all the extensions initialized.

The compiler, anvil and the contract packages come from the project's sandbox toolchain
(installed on first use, like every other chain test); INDEXOPS_STANDIN_CACHE moves the compile
cache (default: pytest's cache dir).
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import pytest

from indexops.sandbox.toolchain import install_toolchain

UNIT = 10**18
EXCHANGE = "UniswapV2ExchangeAdapter"
CLAIM_INTEGRATION = "ClaimAdapterMock"
OWNER_FEE_SPLIT = 3 * 10**17  # 30% to the owner's fee recipient, 70% to the methodologist
STREAMING_FEE = 2 * 10**16  # 2% a year
SET_SUPPLY = 10 * UNIT
UNITS = {"A": 10 * UNIT, "B": 5 * UNIT}  # per SetToken


def _env_path(name: str) -> Path | None:
    value = os.environ.get(name)
    return Path(value) if value else None


@dataclass(frozen=True)
class ToolchainPaths:
    node: str
    solc: Path
    anvil: Path
    set_v2: Path
    openzeppelin: Path


@pytest.fixture(scope="session")
def standin_toolchain() -> ToolchainPaths:
    toolchain = install_toolchain()
    return ToolchainPaths(
        node=shutil.which("node"),
        solc=toolchain.node_modules / "solc",
        anvil=toolchain.anvil,
        set_v2=toolchain.set_protocol_v2,
        openzeppelin=toolchain.node_modules / "@openzeppelin" / "contracts",
    )


@pytest.fixture(scope="session")
def standin_cache_dir(request, tmp_path_factory) -> Path:
    override = _env_path("INDEXOPS_STANDIN_CACHE")
    if override:
        return override
    cache = getattr(request.config, "cache", None)  # absent with -p no:cacheprovider
    return Path(cache.mkdir("indexops-standin")) if cache else tmp_path_factory.mktemp("standin-cache")


@pytest.fixture(scope="session")
def standin_contracts(standin_toolchain, standin_cache_dir) -> dict[str, dict]:
    from indexops.sandbox.standin_build import compile_standin

    paths = standin_toolchain
    return compile_standin(paths.node, paths.solc, paths.set_v2, paths.openzeppelin, standin_cache_dir)


# ---------------------------------------------------------------- anvil


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def standin_anvil_url(standin_toolchain, tmp_path_factory):
    port = _free_port()
    log = open(tmp_path_factory.mktemp("anvil") / "anvil.log", "wb")
    process = subprocess.Popen(
        [str(standin_toolchain.anvil), "--host", "127.0.0.1", "--port", str(port), "--accounts", "10"],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            if process.poll() is not None:
                pytest.fail(f"anvil exited at start with code {process.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("anvil did not answer within 15 s")
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


# ---------------------------------------------------------------- chain helpers


PARAMS = SimpleNamespace(
    UNIT=UNIT,
    EXCHANGE=EXCHANGE,
    CLAIM_INTEGRATION=CLAIM_INTEGRATION,
    OWNER_FEE_SPLIT=OWNER_FEE_SPLIT,
    STREAMING_FEE=STREAMING_FEE,
    SET_SUPPLY=SET_SUPPLY,
    UNITS=UNITS,
)


@dataclass
class Chain:
    w3: object
    set_v2: Path
    standin: dict[str, dict]
    accounts: list[str]
    contracts: dict[str, object] = field(default_factory=dict)
    roles: dict[str, str] = field(default_factory=dict)
    p: SimpleNamespace = field(default_factory=lambda: PARAMS)  # the set-up's parameters, for the tests

    @functools.cached_property
    def _artifact_index(self) -> dict[str, Path]:
        index = {}
        for path in (self.set_v2 / "artifacts" / "contracts").rglob("*.json"):
            if not path.name.endswith(".dbg.json"):
                index[path.stem] = path
        for path in (self.set_v2 / "external" / "abi").rglob("*.json"):
            index.setdefault(path.stem, path)
        return index

    def artifact(self, name: str) -> dict:
        if name in self.standin:
            return self.standin[name]
        return json.loads(self._artifact_index[name].read_text())

    def deploy(self, name: str, *args, sender: str | None = None):
        artifact = self.artifact(name)
        factory = self.w3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"])
        receipt = self.wait(factory.constructor(*args).transact({"from": sender or self.accounts[0]}))
        return self.at(name, receipt["contractAddress"])

    def at(self, name: str, address: str, abi: list | None = None):
        return self.w3.eth.contract(address=address, abi=abi or self.artifact(name)["abi"])

    def send(self, call, sender: str | None = None, gas: int | None = None):
        tx = {"from": sender or self.accounts[0]}
        if gas:
            tx["gas"] = gas
        receipt = self.wait(call.transact(tx))
        assert receipt["status"] == 1, f"transaction reverted: {receipt}"
        return receipt

    def wait(self, tx_hash):
        return self.w3.eth.wait_for_transaction_receipt(tx_hash)

    def events(self, contract, name: str, receipt) -> list[dict]:
        """The args of every `name` event `contract` emitted in `receipt` (other logs ignored)."""
        from web3.logs import DISCARD

        logs = getattr(contract.events, name)().process_receipt(receipt, errors=DISCARD)
        return [log["args"] for log in logs if log["address"] == contract.address]

    def rpc(self, method: str, params: list):
        return self.w3.provider.make_request(method, params)

    def next_timestamp(self, seconds_from_now: int) -> int:
        stamp = self.w3.eth.get_block("latest")["timestamp"] + seconds_from_now
        self.rpc("evm_setNextBlockTimestamp", [stamp])
        return stamp

    def balance(self, token: str, holder) -> int:
        holder = holder.address if hasattr(holder, "address") else holder
        return self.contracts[token].functions.balanceOf(holder).call()


@pytest.fixture(scope="session")
def deployed(standin_anvil_url, standin_toolchain, standin_contracts) -> Chain:
    """Everything deployed once per session; tests get it through `chain` (snapshot per test)."""
    from web3 import Web3

    w3 = Web3(Web3.HTTPProvider(standin_anvil_url, request_kwargs={"timeout": 60}))
    chain = Chain(w3=w3, set_v2=standin_toolchain.set_v2, standin=standin_contracts, accounts=list(w3.eth.accounts))
    _deploy_everything(chain)
    return chain


ROLES = ("deployer", "owner", "methodologist", "operator", "stranger", "owner_fee_recipient", "issuer")


def _deploy_everything(chain: Chain) -> None:
    c = chain.contracts
    acct = chain.roles = dict(zip(ROLES, chain.accounts))
    deployer = acct["deployer"]
    zero = "0x" + "00" * 20

    # Set V2 core (real artifacts)
    c["Controller"] = chain.deploy("Controller", deployer)
    controller = c["Controller"].address
    c["IntegrationRegistry"] = chain.deploy("IntegrationRegistry", controller)
    c["SetTokenCreator"] = chain.deploy("SetTokenCreator", controller)
    for module in ("TradeModule", "StreamingFeeModule", "DebtIssuanceModuleV2", "ClaimModule", "AirdropModule"):
        c[module] = chain.deploy(module, controller)
    modules = [c[m].address for m in ("TradeModule", "StreamingFeeModule", "DebtIssuanceModuleV2", "ClaimModule", "AirdropModule")]
    chain.send(
        c["Controller"].functions.initialize(
            [c["SetTokenCreator"].address], modules, [c["IntegrationRegistry"].address], [0]
        )
    )

    # Tokens and Uniswap V2 with pools A-B, A-C, A-D
    supply = 10**9 * UNIT
    for symbol in ("A", "B", "C", "D"):
        c[symbol] = chain.deploy("StandardTokenMock", deployer, supply, f"Token {symbol}", symbol, 18)
    c["WETH"] = chain.deploy("WETH9")
    c["UniswapV2Factory"] = chain.deploy("UniswapV2Factory", deployer)
    c["Router"] = chain.deploy("UniswapV2Router02", c["UniswapV2Factory"].address, c["WETH"].address)
    router = c["Router"].address
    for symbol in ("A", "B", "C", "D"):
        chain.send(c[symbol].functions.approve(router, 2**256 - 1))
    for other in ("B", "C", "D"):
        chain.send(
            c["Router"].functions.addLiquidity(
                c["A"].address, c[other].address, 1_000_000 * UNIT, 1_000_000 * UNIT, 0, 0, deployer, 2**40
            )
        )

    # Adapters
    c["UniswapV2ExchangeAdapter"] = chain.deploy("UniswapV2ExchangeAdapter", router)
    chain.send(
        c["IntegrationRegistry"].functions.addIntegration(
            c["TradeModule"].address, EXCHANGE, c["UniswapV2ExchangeAdapter"].address
        )
    )
    c["ClaimAdapterMock"] = chain.deploy("ClaimAdapterMock")
    chain.send(
        c["IntegrationRegistry"].functions.addIntegration(
            c["ClaimModule"].address, CLAIM_INTEGRATION, c["ClaimAdapterMock"].address
        )
    )

    # The stand-in: ManagerCore, global extensions, factory
    c["ManagerCore"] = chain.deploy("ManagerCore")
    core = c["ManagerCore"].address
    c["TradeExtension"] = chain.deploy("TradeExtension", core, c["TradeModule"].address)
    c["BatchTradeExtension"] = chain.deploy("BatchTradeExtension", core, c["TradeModule"].address, [EXCHANGE])
    c["StreamingFeeSplitExtension"] = chain.deploy("StreamingFeeSplitExtension", core, c["StreamingFeeModule"].address)
    c["IssuanceExtension"] = chain.deploy("IssuanceExtension", core, c["DebtIssuanceModuleV2"].address)
    c["ClaimExtension"] = chain.deploy(
        "ClaimExtension", core, c["AirdropModule"].address, c["ClaimModule"].address, c["IntegrationRegistry"].address
    )
    c["DelegatedManagerFactory"] = chain.deploy(
        "DelegatedManagerFactory", core, controller, c["SetTokenCreator"].address
    )
    extension_names = ("TradeExtension", "BatchTradeExtension", "StreamingFeeSplitExtension", "IssuanceExtension", "ClaimExtension")
    extensions = [c[name].address for name in extension_names]
    chain.send(c["ManagerCore"].functions.initialize(extensions, [c["DelegatedManagerFactory"].address]))

    # A SetToken and its DelegatedManager through the factory
    factory = c["DelegatedManagerFactory"]
    components = [c["A"].address, c["B"].address]
    receipt = chain.send(
        factory.functions.createSetAndManager(
            components,
            [UNITS["A"], UNITS["B"]],
            "Stand-in Set",
            "SSET",
            acct["owner"],
            acct["methodologist"],
            modules,
            [acct["operator"]],
            [c["A"].address, c["B"].address, c["C"].address, c["ClaimAdapterMock"].address],
            extensions,
        )
    )
    created = chain.events(factory, "DelegatedManagerCreated", receipt)[0]
    c["SetToken"] = chain.at("SetToken", created["_setToken"])
    c["DelegatedManager"] = chain.at("DelegatedManager", created["_manager"])
    manager = created["_manager"]

    init_calls = [
        c["TradeExtension"].encode_abi("initializeModuleAndExtension", args=[manager]),
        # TradeModule is initialized once, by TradeExtension: BatchTradeExtension only joins
        c["BatchTradeExtension"].encode_abi("initializeExtension", args=[manager]),
        c["StreamingFeeSplitExtension"].encode_abi(
            "initializeModuleAndExtension", args=[manager, (manager, 10 * 10**16, STREAMING_FEE, 0)]
        ),
        c["IssuanceExtension"].encode_abi(
            "initializeModuleAndExtension", args=[manager, 10 * 10**16, 0, 0, manager, zero]
        ),
        c["ClaimExtension"].encode_abi(
            "initializeModulesAndExtension",
            args=[
                manager,
                ([c["ClaimAdapterMock"].address], manager, 0, False),
                False,
                [c["ClaimAdapterMock"].address],
                [CLAIM_INTEGRATION],
            ],
        ),
    ]
    chain.send(
        factory.functions.initialize(
            c["SetToken"].address, OWNER_FEE_SPLIT, acct["owner_fee_recipient"], extensions, init_calls
        )
    )

    # Issue through DebtIssuanceModuleV2
    issuer = acct["issuer"]
    for symbol in ("A", "B"):
        chain.send(c[symbol].functions.transfer(issuer, 1_000_000 * UNIT))
        chain.send(c[symbol].functions.approve(c["DebtIssuanceModuleV2"].address, 2**256 - 1), sender=issuer)
    chain.send(c["DebtIssuanceModuleV2"].functions.issue(c["SetToken"].address, SET_SUPPLY, issuer), sender=issuer)


@pytest.fixture
def chain(deployed):
    """The deployed chain, reverted to its deployed state after each test."""
    snapshot = deployed.rpc("evm_snapshot", [])["result"]
    try:
        yield deployed
    finally:
        deployed.rpc("evm_revert", [snapshot])
