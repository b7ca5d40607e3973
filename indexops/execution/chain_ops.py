"""The few chain operations an executor needs, each one RPC call with a readable failure."""

from __future__ import annotations

from indexops.errors import ChainError


class StepWouldRevert(ChainError):
    def __init__(self, index: int, description: str, reason: str):
        super().__init__(f"step {index} ({description}) would revert: {reason}; nothing was sent")


def revert_reason(error: Exception) -> str:
    text = str(error.args[0] if getattr(error, "args", None) else error)
    return text.removeprefix("execution reverted: ").removeprefix("execution reverted") or "reverted without a reason"


def simulate(w3, sender: str, to: str, data: str, value: int = 0) -> None:
    """eth_call against the pending state; raises ValueError(reason) when the call reverts."""
    from web3.exceptions import ContractLogicError

    try:
        w3.eth.call({"from": sender, "to": to, "data": data, "value": value}, "pending")
    except ContractLogicError as error:
        raise ValueError(revert_reason(error)) from None


def estimate_gas(w3, sender: str, to: str, data: str, value: int = 0) -> int:
    return int(w3.eth.estimate_gas({"from": sender, "to": to, "data": data, "value": value}, "pending"))


def base_fee(w3) -> int:
    block = w3.eth.get_block("pending")
    return int(block.get("baseFeePerGas") or w3.eth.gas_price)


def block_hash(w3, number: int) -> str | None:
    """The hash of block `number` on this chain (0x-prefixed, lower case), or None if it has no such block."""
    from web3.exceptions import BlockNotFound

    try:
        block = w3.eth.get_block(number)
    except BlockNotFound:
        return None
    return "0x" + bytes(block["hash"]).hex()


def block_timestamp(w3, block="latest") -> int:
    return int(w3.eth.get_block(block)["timestamp"])


def pending_nonce(w3, address: str) -> int:
    return int(w3.eth.get_transaction_count(address, "pending"))


def mined_nonce(w3, address: str) -> int:
    return int(w3.eth.get_transaction_count(address, "latest"))


def receipt_or_none(w3, tx_hash: str):
    from web3.exceptions import TransactionNotFound

    try:
        return w3.eth.get_transaction_receipt(tx_hash)
    except TransactionNotFound:
        return None


def is_known(w3, tx_hash: str) -> bool:
    from web3.exceptions import TransactionNotFound

    try:
        w3.eth.get_transaction(tx_hash)
        return True
    except TransactionNotFound:
        return False


def broadcast(w3, raw: bytes) -> None:
    """Send a signed transaction; a node that already has it is not an error (it is the same transaction)."""
    try:
        w3.eth.send_raw_transaction(raw)
    except Exception as error:  # nodes word these differently; both mean "you sent this before"
        text = str(error).lower()
        if "already known" in text or "known transaction" in text or "already imported" in text:
            return
        raise


def warp(w3, seconds: int) -> None:
    """Sandbox only: move anvil's clock forward and mine a block."""
    w3.provider.make_request("evm_increaseTime", [int(seconds)])
    w3.provider.make_request("evm_mine", [])
