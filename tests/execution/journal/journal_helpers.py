"""Shared pieces of the journal tests: a test signer, signed transactions, a clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache

from eth_account import Account

# A throwaway key used only to sign test transactions; the journal is never given it.
TEST_KEY = "0x8da4ef21b864d2cc526dbdb2a120bd2874c36c9d0a1fb7f8c63d7f7a8b41de8f"
SIGNER = Account.from_key(TEST_KEY)
OTHER = Account.from_key("0x" + "42" * 32)

CHAIN_ID = 1
GAS_LIMIT = 250_000
BASE_FEE = 30 * 10**9
PLAN = "0x" + "ab" * 32
PLAN_B = "0x" + "cd" * 32
GENESIS = "0x" + "0e" * 32  # block 0 of the test chain
OTHER_GENESIS = "0x" + "1f" * 32  # block 0 of another instance of it


@dataclass(frozen=True)
class Signed:
    tx_hash: str
    raw: bytes
    sender: str
    nonce: int
    max_fee_per_gas: int
    gas_limit: int

    def args(self) -> dict:
        """The keyword arguments of `record_signed` for this transaction."""
        return {
            "sender": self.sender,
            "nonce": self.nonce,
            "tx_hash": self.tx_hash,
            "raw_tx": self.raw,
            "max_fee_per_gas": self.max_fee_per_gas,
            "gas_limit": self.gas_limit,
        }


@lru_cache(maxsize=None)
def signed(nonce: int, variant: int = 0, chain_id: int = CHAIN_ID, other: bool = False, legacy: bool = False) -> Signed:
    """A signed transaction; `variant` bumps the fee (a different transaction with the same nonce)."""
    account = OTHER if other else SIGNER
    fee = BASE_FEE + variant * 10**9
    tx = {
        "chainId": chain_id,
        "nonce": nonce,
        "to": "0x" + "22" * 20,
        "value": 0,
        "data": "0xa9059cbb" + "00" * 64,
        "gas": GAS_LIMIT,
    }
    if legacy:
        tx["gasPrice"] = fee
    else:
        tx.update(type=2, maxFeePerGas=fee, maxPriorityFeePerGas=10**9)
    done = account.sign_transaction(tx)
    return Signed("0x" + done.hash.hex(), bytes(done.raw_transaction), account.address, nonce, fee, GAS_LIMIT)


class Clock:
    """A clock that moves one second per reading."""

    def __init__(self, start: datetime | None = None):
        self.now = start or datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def one_line(error: BaseException) -> str:
    """The error's message, which must be one non-empty line."""
    text = str(error)
    assert text and "\n" not in text
    return text
