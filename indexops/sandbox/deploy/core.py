"""Set Protocol V2's core: controller, registry, creator and the modules indexops drives."""

from __future__ import annotations

from indexops.sandbox.deployer import Deployer

MODULES = {
    "basic_issuance": "BasicIssuanceModule",
    "streaming_fee": "StreamingFeeModule",
    "trade": "TradeModule",
    "gim": "GeneralIndexModule",
    "claim": "ClaimModule",
}


def deploy_weth(d: Deployer):
    return d.deploy("WETH9")


def deploy_set_core(d: Deployer, weth) -> dict:
    """Deploy and initialize the controller with its creator, modules and integration registry."""
    controller = d.deploy("Controller", d.sender)
    registry = d.deploy("IntegrationRegistry", controller.address)
    creator = d.deploy("SetTokenCreator", controller.address)
    modules = {}
    for key, name in MODULES.items():
        args = (controller.address, weth.address) if name == "GeneralIndexModule" else (controller.address,)
        modules[key] = d.deploy(name, *args)
    d.send(
        controller.functions.initialize(
            [creator.address], [m.address for m in modules.values()], [registry.address], [0]
        )
    )
    return {
        "controller": controller,
        "integration_registry": registry,
        "set_token_creator": creator,
        "modules": modules,
    }
