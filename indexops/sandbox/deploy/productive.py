"""PIX, a productive index under the self-service manager, deployed after everything else (it needs Compound).

Set V2's WrapModuleV2 with the CompoundWrapV2Adapter (linked with the Compound library), the stand-in
ClaimExtension and WrapExtension enabled on the ManagerCore, then the product through the factory: cUSDC,
WETH and UNI; TradeModule (through TradeExtension), StreamingFeeModule, DebtIssuanceModuleV2, ClaimModule
(anyone may claim its COMP from the Comptroller with the CompClaimAdapter), AirdropModule (COMP listed, the
operator absorbs) and WrapModuleV2. Its cUSDC earns COMP as Compound's suppliers do. The manager allows the
components, USDC and COMP, not cETH.
"""

from __future__ import annotations

from indexops.sandbox import scenario
from indexops.sandbox.deploy.compound import COMP_ADDRESS, CTOKEN_DECIMALS, INITIAL_EXCHANGE_RATE, send_checked
from indexops.sandbox.deploy.delegated import (
    OWNER_FEE_SPLIT,
    create_set_and_manager,
    fee_split_call,
    issuance_call,
    issue,
    standin_deployer,
)
from indexops.sandbox.deploy.leverage_modules import CLAIM_ADAPTER
from indexops.sandbox.deploy.products import PRECISE_UNIT
from indexops.sandbox.deployer import Deployer

WRAP_ADAPTER = "CompoundWrapV2Adapter"  # the IntegrationRegistry name of WrapModuleV2's adapter
MINT_MARGIN = 1.001  # cUSDC minted for issuance beyond the need: interest accrues between the read and the mint


def deploy_productive(d: Deployer, core: dict, delegated: dict, compound: dict, airdrop, tokens: dict) -> dict:
    accounts = list(d.w3.eth.accounts)
    standin = standin_deployer(d)
    controller, registry = core["controller"], core["integration_registry"]
    wrap_module = d.deploy("WrapModuleV2", controller.address, tokens["WETH"].address)
    d.send(controller.functions.addModule(wrap_module.address))
    adapter = d.deploy(WRAP_ADAPTER)
    d.send(registry.functions.addIntegration(wrap_module.address, WRAP_ADAPTER, adapter.address))
    claim_module = core["modules"]["claim"]
    manager_core = delegated["manager_core"]
    extensions = {
        "trade": delegated["extensions"]["trade"],
        "fee_split": delegated["extensions"]["fee_split"],
        "issuance": delegated["extensions"]["issuance"],
        "claim": standin.deploy(
            "ClaimExtension", manager_core.address, airdrop.address, claim_module.address, registry.address
        ),
        "wrap": standin.deploy("WrapExtension", manager_core.address, wrap_module.address),
    }
    for key in ("claim", "wrap"):
        d.send(manager_core.functions.addExtension(extensions[key].address))

    spec, cusdc = scenario.PIX, compound["ctokens"]["USDC"]
    held = {"cUSDC": cusdc, "WETH": tokens["WETH"], "UNI": tokens["UNI"]}
    units = _units(spec)
    components = [held[symbol].address for symbol in units]
    owner, methodologist = accounts[scenario.DEPLOYER], accounts[scenario.METHODOLOGIST]
    operator = accounts[scenario.DELEGATED_OPERATOR]
    debt_issuance = delegated["debt_issuance"]
    modules = [
        core["modules"]["trade"],
        core["modules"]["streaming_fee"],
        debt_issuance,
        claim_module,
        airdrop,
        wrap_module,
    ]
    assets = [*components, tokens["USDC"].address, COMP_ADDRESS]
    set_token, manager = create_set_and_manager(
        standin, delegated["factory"], spec, units, components, owner, methodologist,
        [m.address for m in modules], [operator], assets, extensions,
    )  # fmt: skip
    comptroller = compound["comptroller"].address
    calls = [
        extensions["trade"].encode_abi("initializeModuleAndExtension", args=[manager.address]),
        fee_split_call(extensions["fee_split"], manager.address, spec),
        issuance_call(extensions["issuance"], manager.address),
        extensions["claim"].encode_abi(
            "initializeModulesAndExtension",
            args=[manager.address, ([COMP_ADDRESS], manager.address, 0, False), True, [comptroller], [CLAIM_ADAPTER]],
        ),
        extensions["wrap"].encode_abi("initializeModuleAndExtension", args=[manager.address]),
    ]
    d.send(
        delegated["factory"].functions.initialize(
            set_token.address, OWNER_FEE_SPLIT, owner, [e.address for e in extensions.values()], calls
        )
    )
    quantity = spec.supply * PRECISE_UNIT
    _mint_ctokens(d, cusdc, units["cUSDC"] * quantity // PRECISE_UNIT)
    issue(d, debt_issuance, set_token, held, units, quantity)
    return {
        "set_token": set_token,
        "manager": manager,
        "operator": operator,
        "methodologist": methodologist,
        "owner": owner,
        "extensions": {key: extensions[key] for key in ("claim", "wrap")},
        "wrap_module": wrap_module,
        "wrap_adapter": adapter,
    }


def _units(spec: scenario.SandboxProduct) -> dict[str, int]:
    """Per set: cUSDC worth its weight at Compound's first exchange rate (a little more now), the rest at prices."""
    units = {}
    for symbol, weight in spec.weights.items():
        usd = round(weight * spec.value_per_set_usd, 9)
        if symbol == "cUSDC":
            units[symbol] = int(usd / float(INITIAL_EXCHANGE_RATE) * 10**CTOKEN_DECIMALS)
        else:
            units[symbol] = scenario.base_units(usd, symbol)
    return units


def _mint_ctokens(d: Deployer, ctoken, amount: int) -> None:
    """At least `amount` of `ctoken` for the deployer, from its underlying (approved when Compound was supplied)."""
    rate = ctoken.functions.exchangeRateCurrent().call({"from": d.sender})
    send_checked(d, ctoken.functions.mint(int(amount * rate // PRECISE_UNIT * MINT_MARGIN) + 1))
