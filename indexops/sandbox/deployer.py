"""Sends the sandbox's deployment transactions from anvil's unlocked dev accounts."""

from __future__ import annotations

from indexops.errors import SandboxError
from indexops.sandbox.artifacts import ArtifactStore

DEPLOY_GAS = 15_000_000
CALL_GAS = 12_000_000


class Deployer:
    """Deploys artifacts and sends calls, checking every receipt; addresses follow from nonces."""

    def __init__(self, w3, artifacts: ArtifactStore, sender: str):
        self.w3 = w3
        self.artifacts = artifacts
        self.sender = sender
        self.gas_price = w3.eth.gas_price * 2

    def deploy(self, name: str, *args, sender: str | None = None):
        artifact = self.artifacts.get(name)
        factory = self.w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
        receipt = self._transact(factory.constructor(*args), sender, DEPLOY_GAS, f"deploy {name}")
        return self.w3.eth.contract(address=receipt.contractAddress, abi=artifact.abi)

    def at(self, name: str, address: str):
        return self.w3.eth.contract(address=address, abi=self.artifacts.get(name).abi)

    def send(self, call, sender: str | None = None, value: int = 0, what: str = ""):
        """Send a contract function call; returns the receipt."""
        return self._transact(call, sender, CALL_GAS, what or call.fn_name, value)

    def _transact(self, call, sender, gas, what, value=0):
        tx = {"from": sender or self.sender, "gas": gas, "gasPrice": self.gas_price, "value": value}
        tx_hash = call.transact(tx)
        receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=30, poll_latency=0.01)
        if receipt.status != 1:
            raise SandboxError(f"sandbox deployment step failed: {what} ({self._revert_reason(call, tx)})")
        return receipt

    @staticmethod
    def _revert_reason(call, tx) -> str:
        try:
            call.call({k: v for k, v in tx.items() if k != "gasPrice"})
        except Exception as error:  # the node's words are what we want to show
            return str(error).splitlines()[0][:200]
        return "reverted (out of gas?)"
