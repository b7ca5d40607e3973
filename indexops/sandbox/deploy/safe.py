"""Safe 1.3.0: singleton, proxy factory, fallback handler, MultiSend libraries and one 2-of-3 Safe."""

from __future__ import annotations

from web3.logs import DISCARD

from indexops.sandbox.deployer import Deployer

ZERO = "0x" + "00" * 20


def deploy_safe_stack(d: Deployer) -> dict:
    return {
        "singleton": d.deploy("GnosisSafe"),
        "proxy_factory": d.deploy("GnosisSafeProxyFactory"),
        "fallback_handler": d.deploy("CompatibilityFallbackHandler"),
        "multisend": d.deploy("MultiSend"),
        "multisend_call_only": d.deploy("MultiSendCallOnly"),
    }


def create_safe(d: Deployer, stack: dict, owners: list[str], threshold: int, salt: int = 0):
    singleton = stack["singleton"]
    setup = singleton.encode_abi(
        "setup", args=[owners, threshold, ZERO, b"", stack["fallback_handler"].address, ZERO, 0, ZERO]
    )
    receipt = d.send(stack["proxy_factory"].functions.createProxyWithNonce(singleton.address, setup, salt))
    created = stack["proxy_factory"].events.ProxyCreation().process_receipt(receipt, errors=DISCARD)
    return d.at("GnosisSafe", created[0]["args"]["proxy"])
