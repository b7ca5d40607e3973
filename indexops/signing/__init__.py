"""Signers: who signs a transaction or a Safe hash, and where its key comes from.

Nothing here prompts, prints or logs; a keystore password comes through the callable the CLI
passes in. eth-account is imported only when a signer is made.
"""

from indexops.signing.anvil import (
    ANVIL_ACCOUNT_COUNT,
    ANVIL_DERIVATION_PATH,
    ANVIL_MNEMONIC,
    anvil_dev_address,
    anvil_dev_index,
    anvil_dev_key_address,
    anvil_signer,
)
from indexops.signing.env import signer_from_env
from indexops.signing.errors import KEYSTORE_PASSWORD_ENV, PRIVATE_KEY_ENV, SignerError
from indexops.signing.keystore import foundry_keystores_dir, load_keystore
from indexops.signing.resolve import resolve_signer
from indexops.signing.signer import LocalSigner, Signer, SignerKind

__all__ = [
    "ANVIL_ACCOUNT_COUNT",
    "ANVIL_DERIVATION_PATH",
    "ANVIL_MNEMONIC",
    "KEYSTORE_PASSWORD_ENV",
    "PRIVATE_KEY_ENV",
    "LocalSigner",
    "Signer",
    "SignerError",
    "SignerKind",
    "anvil_dev_address",
    "anvil_dev_index",
    "anvil_dev_key_address",
    "anvil_signer",
    "foundry_keystores_dir",
    "load_keystore",
    "resolve_signer",
    "signer_from_env",
]
