"""One call signed and sent from an account for the Safe verbs (execTransaction, approveHash), then its receipt."""

from __future__ import annotations

from dataclasses import dataclass

from eth_utils import keccak

from indexops.execution import chain_ops
from indexops.execution.fees import fees_under_cap

GAS_MARGIN = 1.25


@dataclass(frozen=True)
class Sent:
    tx_hash: str
    receipt: dict


def send_call(w3, chain_id: int, signer, to: str, data: str, *, receipt_timeout: int) -> Sent:
    """EIP-1559 at twice the pending base fee plus the tip, gas estimated with a margin; waits for the receipt."""
    gas = int(chain_ops.estimate_gas(w3, signer.address, to, data) * GAS_MARGIN)
    fees = fees_under_cap(chain_ops.base_fee(w3), None)
    if fees is None:  # only a cap can leave no fees
        raise RuntimeError("fees_under_cap gave no fees without a cap")
    raw = signer.sign_transaction(
        {
            "type": 2,
            "chainId": chain_id,
            "nonce": chain_ops.pending_nonce(w3, signer.address),
            "to": to,
            "data": data,
            "value": 0,
            "gas": gas,
            **fees.as_tx_fields(),
        }
    )
    tx_hash = "0x" + keccak(raw).hex()
    chain_ops.broadcast(w3, raw)
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=receipt_timeout, poll_latency=0.1)
    return Sent(tx_hash, dict(receipt))
