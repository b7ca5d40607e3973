"""Set's self-service manager stack (the stand-in) and the products created through its factory.

One ManagerCore, one DelegatedManagerFactory and one deployment of each global extension serve
every delegated product, as on mainnet. The products issue through the real DebtIssuanceModuleV2,
because a DelegatedManager lets only its extensions initialize modules.
"""

from __future__ import annotations

import shutil

from web3.logs import DISCARD

from indexops.sandbox import scenario
from indexops.sandbox.artifacts import Artifact, ArtifactSource
from indexops.sandbox.deploy.products import MAX_STREAMING_FEE, MAX_UINT, PRECISE_UNIT, units_for
from indexops.sandbox.deploy.venues import VENUES
from indexops.sandbox.deployer import Deployer
from indexops.sandbox.linking import Library
from indexops.sandbox.standin_build import compile_standin
from indexops.sandbox.toolchain import Toolchain

OWNER_FEE_SPLIT = 6 * 10**17  # 60% of the streaming fee to the owner, 40% to the methodologist
MAX_ISSUANCE_FEE = 5 * 10**16
ZERO_ADDRESS = "0x" + "00" * 20
STANDIN_CACHE = "standin"  # under the toolchain dir: the build depends on its packages, and tests share it


class StandinArtifacts:
    """The compiled stand-in's contracts first, then the toolchain's (Set V2, Safe, Index Coop)."""

    def __init__(self, standin: dict[str, dict], fallback: ArtifactSource):
        self.standin = standin
        self.fallback = fallback
        self.toolchain = fallback.toolchain

    def get(self, name: str) -> Artifact:
        if name in self.standin:
            return Artifact(name=name, abi=self.standin[name]["abi"], bytecode=self.standin[name]["bytecode"])
        return self.fallback.get(name)

    def library(self, library: Library) -> Artifact:
        return self.fallback.library(library)


def compile_for(toolchain: Toolchain) -> dict[str, dict]:
    return compile_standin(
        shutil.which("node") or "node",
        toolchain.node_modules / "solc",
        toolchain.set_protocol_v2,
        toolchain.node_modules / "@openzeppelin" / "contracts",
        toolchain.root / STANDIN_CACHE,
    )


def standin_deployer(d: Deployer) -> Deployer:
    """`d`, deploying the stand-in's contracts by name as well as the toolchain's (libraries shared)."""
    return Deployer(d.w3, StandinArtifacts(compile_for(d.artifacts.toolchain), d.artifacts), d.sender, d.libraries)


def deploy_delegated(d: Deployer, core: dict, tokens: dict, accounts: list[str]) -> dict:
    """The stack, then every scenario product that runs under a DelegatedManager."""
    standin = standin_deployer(d)
    stack = deploy_stack(standin, core)
    products = {
        spec.key: create_product(standin, spec, core, stack, tokens, accounts) for spec in scenario.DELEGATED_PRODUCTS
    }
    return {**stack, "products": products}


def deploy_stack(d: Deployer, core: dict) -> dict:
    modules, controller = core["modules"], core["controller"]
    debt_issuance = d.deploy("DebtIssuanceModuleV2", controller.address)
    d.send(controller.functions.addModule(debt_issuance.address))
    manager_core = d.deploy("ManagerCore")
    extensions = {
        "trade": d.deploy("TradeExtension", manager_core.address, modules["trade"].address),
        "batch_trade": d.deploy(
            "BatchTradeExtension", manager_core.address, modules["trade"].address, [v.trade_adapter for v in VENUES]
        ),
        "fee_split": d.deploy("StreamingFeeSplitExtension", manager_core.address, modules["streaming_fee"].address),
        "issuance": d.deploy("IssuanceExtension", manager_core.address, debt_issuance.address),
    }
    factory = d.deploy(
        "DelegatedManagerFactory", manager_core.address, controller.address, core["set_token_creator"].address
    )
    d.send(manager_core.functions.initialize([e.address for e in extensions.values()], [factory.address]))
    return {"manager_core": manager_core, "factory": factory, "extensions": extensions, "debt_issuance": debt_issuance}


def create_product(
    d: Deployer, spec: scenario.SandboxProduct, core: dict, stack: dict, tokens: dict, accounts: list[str]
) -> dict:
    """Create the SetToken and its DelegatedManager through the factory, initialize every extension, issue."""
    owner, methodologist = accounts[scenario.DEPLOYER], accounts[scenario.METHODOLOGIST]
    operator = accounts[scenario.DELEGATED_OPERATOR]
    units = units_for(spec)
    components = [tokens[symbol].address for symbol in units]
    factory, extensions = stack["factory"], stack["extensions"]
    modules = [
        core["modules"]["trade"].address,
        core["modules"]["streaming_fee"].address,
        stack["debt_issuance"].address,
    ]
    set_token, manager = create_set_and_manager(
        d, factory, spec, units, components, owner, methodologist, modules, [operator], components, extensions
    )
    d.send(
        factory.functions.initialize(
            set_token.address,
            OWNER_FEE_SPLIT,
            owner,
            [e.address for e in extensions.values()],
            _initialize_calls(extensions, manager.address, spec),
        )
    )
    issue(d, stack["debt_issuance"], set_token, tokens, units, spec.supply * PRECISE_UNIT)
    return {
        "set_token": set_token,
        "manager": manager,
        "operator": operator,
        "methodologist": methodologist,
        "owner": owner,
        "units": units,
    }


def create_set_and_manager(
    d: Deployer,
    factory,
    spec: scenario.SandboxProduct,
    units: dict[str, int],
    components: list[str],
    owner: str,
    methodologist: str,
    modules: list[str],
    operators: list[str],
    assets: list[str],
    extensions: dict,
):
    """The SetToken and its DelegatedManager, created by the factory and awaiting its `initialize`."""
    receipt = d.send(
        factory.functions.createSetAndManager(
            components,
            list(units.values()),
            spec.name,
            spec.symbol,
            owner,
            methodologist,
            modules,
            operators,
            assets,
            [e.address for e in extensions.values()],
        )
    )
    created = factory.events.DelegatedManagerCreated().process_receipt(receipt, errors=DISCARD)[0]["args"]
    return d.at("SetToken", created["_setToken"]), d.at("DelegatedManager", created["_manager"])


def fee_split_call(extension, manager: str, spec: scenario.SandboxProduct) -> bytes:
    """StreamingFeeSplitExtension's and StreamingFeeModule's initialization; the manager collects fees to split."""
    settings = (manager, MAX_STREAMING_FEE, int(spec.streaming_fee * PRECISE_UNIT), 0)
    return extension.encode_abi("initializeModuleAndExtension", args=[manager, settings])


def issuance_call(extension, manager: str) -> bytes:
    """IssuanceExtension's and DebtIssuanceModuleV2's initialization, with no issue or redeem fee."""
    return extension.encode_abi(
        "initializeModuleAndExtension", args=[manager, MAX_ISSUANCE_FEE, 0, 0, manager, ZERO_ADDRESS]
    )


def _initialize_calls(extensions: dict, manager: str, spec: scenario.SandboxProduct) -> list[bytes]:
    return [
        extensions["trade"].encode_abi("initializeModuleAndExtension", args=[manager]),
        # TradeModule initializes once, through TradeExtension: BatchTradeExtension only joins
        extensions["batch_trade"].encode_abi("initializeExtension", args=[manager]),
        fee_split_call(extensions["fee_split"], manager, spec),
        issuance_call(extensions["issuance"], manager),
    ]


def issue(d: Deployer, issuance, set_token, tokens: dict, units: dict[str, int], quantity: int) -> None:
    if "WETH" in units:
        d.send(tokens["WETH"].functions.deposit(), value=-(-units["WETH"] * quantity // PRECISE_UNIT))
    for symbol in units:
        d.send(tokens[symbol].functions.approve(issuance.address, MAX_UINT))
    d.send(issuance.functions.issue(set_token.address, quantity, d.sender))
