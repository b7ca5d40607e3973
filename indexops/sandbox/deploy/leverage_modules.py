"""The Set V2 modules leverage tokens use, beside the core's: DebtIssuanceModule, CompoundLeverageModule
(linked with the Compound library), AirdropModule, and ClaimModule's CompClaimAdapter.

Compound's markets are listed before CompoundLeverageModule is deployed: its constructor reads
`getAllMarkets()` to map each underlying to its cToken.
"""

from __future__ import annotations

from indexops.sandbox.deploy.compound import COMP_ADDRESS
from indexops.sandbox.deploy.venues import VENUES
from indexops.sandbox.deployer import Deployer

CLAIM_ADAPTER = "CompClaimAdapter"  # ClaimModule integration name, as on mainnet
DEFAULT_ISSUANCE_MODULE = "DefaultIssuanceModule"  # the name CompoundLeverageModule looks its issuance module up by


def deploy_leverage_modules(d: Deployer, core: dict, compound: dict, venues: dict, weth) -> dict:
    controller, registry = core["controller"], core["integration_registry"]
    comptroller = compound["comptroller"].address
    debt_issuance = d.deploy("DebtIssuanceModule", controller.address)
    leverage = d.deploy(
        "CompoundLeverageModule",
        controller.address,
        COMP_ADDRESS,
        comptroller,
        compound["ctokens"]["WETH"].address,
        weth.address,
    )
    airdrop = d.deploy("AirdropModule", controller.address)
    for module in (debt_issuance, leverage, airdrop):
        d.send(controller.functions.addModule(module.address))
    claim_adapter = d.deploy("CompClaimAdapter", comptroller)
    d.send(registry.functions.addIntegration(core["modules"]["claim"].address, CLAIM_ADAPTER, claim_adapter.address))
    d.send(registry.functions.addIntegration(leverage.address, DEFAULT_ISSUANCE_MODULE, debt_issuance.address))
    for spec in VENUES:  # the same exchange adapters TradeModule trades through, under the same names
        d.send(
            registry.functions.addIntegration(
                leverage.address, spec.trade_adapter, venues[spec.key]["trade_adapter"].address
            )
        )
    d.send(leverage.functions.updateAnySetAllowed(True))
    return {
        "debt_issuance": debt_issuance,
        "compound_leverage": leverage,
        "airdrop": airdrop,
        "claim": core["modules"]["claim"],
        "streaming_fee": core["modules"]["streaming_fee"],
        "claim_adapter": claim_adapter,
    }
