"""Anvil's dev accounts: the keys anvil unlocks by default, derived from its public mnemonic.

The sandbox starts anvil without `--mnemonic`, so account N is the BIP-44 key
m/44'/60'/0'/0/N of the mnemonic below. These keys are public knowledge: fine on the
sandbox, never anywhere funds live.
"""

from __future__ import annotations

import functools

from indexops.signing.errors import AnvilAccountOutOfRange
from indexops.signing.signer import LocalSigner, SignerKind

ANVIL_MNEMONIC = "test test test test test test test test test test test junk"
ANVIL_DERIVATION_PATH = "m/44'/60'/0'/0/{index}"
ANVIL_ACCOUNT_COUNT = 10


def anvil_dev_key_address(n: int) -> tuple[bytes, str]:
    """(private key, checksummed address) of anvil dev account `n` (0..9)."""
    if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n < ANVIL_ACCOUNT_COUNT:
        raise AnvilAccountOutOfRange(str(n))
    return _derive(n)


def anvil_dev_address(n: int) -> str:
    return anvil_dev_key_address(n)[1]


def anvil_dev_index(address: str) -> int | None:
    """Which dev account `address` is (any case), or None."""
    wanted = address.lower()
    for n in range(ANVIL_ACCOUNT_COUNT):
        if _derive(n)[1].lower() == wanted:
            return n
    return None


def anvil_signer(n: int) -> LocalSigner:
    key, _ = anvil_dev_key_address(n)
    return LocalSigner(key, kind=SignerKind.ANVIL, origin=f"anvil account {n}")


@functools.cache
def _derive(n: int) -> tuple[bytes, str]:
    from eth_account import Account
    from eth_account.hdaccount import key_from_seed

    key = key_from_seed(_seed(), ANVIL_DERIVATION_PATH.format(index=n))
    return key, Account.from_key(key).address


@functools.cache
def _seed() -> bytes:
    from eth_account.hdaccount import seed_from_mnemonic

    return seed_from_mnemonic(ANVIL_MNEMONIC, passphrase="")
