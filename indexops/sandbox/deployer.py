"""Sends the sandbox's deployment transactions from anvil's unlocked dev accounts."""

from __future__ import annotations

from indexops.errors import SandboxError
from indexops.sandbox.artifacts import ArtifactSource
from indexops.sandbox.linking import Library, link

DEPLOY_GAS = 15_000_000
CALL_GAS = 12_000_000


class Deployer:
    """Deploys artifacts and sends calls, checking every receipt; addresses follow from nonces.

    An artifact with library links gets each library deployed first, once per chain (`libraries`
    is shared by every deployer of one sandbox), and its address written into the bytecode.
    Each transaction is sent as is (no estimate, no chain-id check per call) and its receipt awaited.
    """

    def __init__(self, w3, artifacts: ArtifactSource, sender: str, libraries: dict[Library, str] | None = None):
        self.w3 = w3
        self.artifacts = artifacts
        self.sender = sender
        self.gas_price = w3.eth.gas_price * 2
        self.chain_id = w3.eth.chain_id
        self.libraries: dict[Library, str] = {} if libraries is None else libraries

    def deploy(self, name: str, *args, sender: str | None = None):
        artifact = self.artifacts.get(name)
        bytecode = artifact.bytecode
        if artifact.link_references:
            addresses = {library: self.library(library) for library in artifact.libraries}
            bytecode = link(bytecode, artifact.link_references, addresses)
        factory = self.w3.eth.contract(abi=artifact.abi, bytecode=bytecode)
        receipt = self._transact(factory.constructor(*args), sender, DEPLOY_GAS, f"deploy {name}")
        return self.w3.eth.contract(address=receipt.contractAddress, abi=artifact.abi)

    def library(self, library: Library) -> str:
        """The address of `library` on this chain, deploying it the first time it is asked for."""
        if library not in self.libraries:
            artifact = self.artifacts.library(library)
            if artifact.link_references:
                raise SandboxError(
                    f"library {library.qualified_name} links other libraries, which the sandbox does not do"
                )
            factory = self.w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
            receipt = self._transact(factory.constructor(), None, DEPLOY_GAS, f"deploy library {library.name}")
            self.libraries[library] = receipt.contractAddress
        return self.libraries[library]

    def at(self, name: str, address: str):
        return self.w3.eth.contract(address=address, abi=self.artifacts.get(name).abi)

    def send(self, call, sender: str | None = None, value: int = 0, what: str = ""):
        """Send a contract function call; returns the receipt."""
        return self._transact(call, sender, CALL_GAS, what or call.fn_name, value)

    def send_ether(self, to: str, value: int, sender: str | None = None):
        tx = {
            "from": sender or self.sender,
            "to": to,
            "value": hex(value),
            "gas": hex(100_000),
            "gasPrice": hex(self.gas_price),
        }
        return self._mined(tx, f"send {value} wei to {to}", None)

    def _transact(self, call, sender, gas, what, value=0):
        built = call.build_transaction(
            {
                "from": sender or self.sender,
                "gas": gas,
                "gasPrice": self.gas_price,
                "value": value,
                "chainId": self.chain_id,
            }
        )
        tx = {
            "from": built["from"],
            "gas": hex(gas),
            "gasPrice": hex(self.gas_price),
            "value": hex(value),
            "data": built["data"],
        }
        if built.get("to"):
            tx["to"] = built["to"]
        return self._mined(tx, what, call)

    def _mined(self, tx: dict, what: str, call):
        answer = self.w3.provider.make_request("eth_sendTransaction", [tx])
        if "error" in answer:
            raise SandboxError(f"sandbox deployment step failed: {what} ({_message(answer['error'])})")
        receipt = self.w3.eth.wait_for_transaction_receipt(answer["result"], timeout=30, poll_latency=0.005)
        if receipt.status != 1:
            raise SandboxError(f"sandbox deployment step failed: {what} ({self._revert_reason(call, tx)})")
        return receipt

    def _revert_reason(self, call, tx) -> str:
        if call is None:
            return "reverted"
        try:
            call.call({"from": tx["from"], "value": int(tx["value"], 16), "gas": int(tx["gas"], 16)})
        except Exception as error:  # the node's words are what we want to show
            return str(error).splitlines()[0][:200]
        return "reverted (out of gas?)"


def _message(error) -> str:
    text = error.get("message", str(error)) if isinstance(error, dict) else str(error)
    return text.splitlines()[0][:200]
