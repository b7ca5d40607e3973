"""Errors of the signer layer; each builds its own one-line message from plain values.

None of them is ever given a private key or a password, so none can show one: they take
paths, names, addresses and fixed reasons only. All are `UsageError`s (exit 2): the user
chose the signer, the keystore or the environment that is wrong.
"""

from __future__ import annotations

from pathlib import Path

from indexops.errors import UsageError
from indexops.signing.display import display_path

PRIVATE_KEY_ENV = "INDEXOPS_PRIVATE_KEY"
KEYSTORE_PASSWORD_ENV = "INDEXOPS_KEYSTORE_PASSWORD"

_KEYSTORE_OR_ENV = f"--account NAME (a Foundry keystore), --keystore PATH or {PRIVATE_KEY_ENV}"


def _other_signers(option: str) -> str:
    """How to choose a signer that can sign with `option` (the operator's --account has more ways)."""
    return _KEYSTORE_OR_ENV if option == "--account" else f"{option} NAME (a Foundry keystore)"


class SignerError(UsageError):
    """Base of the signer errors: the chosen signer cannot be used."""


class NoSignerChosen(SignerError):
    def __init__(self, sandbox: bool):
        self.sandbox = sandbox
        anvil = "--account 0-9 (an anvil dev account), " if sandbox else ""
        super().__init__(
            f"no signer chosen: use {anvil}--account NAME (a Foundry keystore), --keystore PATH, "
            f"or set {PRIVATE_KEY_ENV}"
        )


class ConflictingSignerOptions(SignerError):
    def __init__(self) -> None:
        super().__init__("--account and --keystore were both given: choose one signer")


class AnvilAccountOffSandbox(SignerError):
    def __init__(self, index: int, option: str = "--account"):
        self.index = index
        super().__init__(
            f"{option} {index} is anvil dev account {index}, which exists only on the sandbox: "
            f"use {_other_signers(option)}"
        )


class AnvilAccountOutOfRange(SignerError):
    def __init__(self, text: str, option: str = "--account"):
        self.text = text
        shown = f" {text}" if len(text) <= 4 else ""  # a long digit string is not echoed
        super().__init__(f"{option}{shown}: anvil dev accounts are numbered 0 to 9")


class PrivateKeyOnCommandLine(SignerError):
    """The value of `option` looks like a raw private key; it is never echoed."""

    def __init__(self, option: str):
        self.option = option
        super().__init__(
            f"{option} looks like a private key: never pass a key on the command line; "
            f"use --account NAME (a Foundry keystore), --keystore PATH or {PRIVATE_KEY_ENV}"
        )


class InvalidAccountValue(SignerError):
    def __init__(self, reason: str, option: str = "--account"):
        self.reason = reason
        super().__init__(f"{option}: {reason}")


class AddressIsNotASigner(SignerError):
    """The address is not echoed: a 40-digit value could be the start of a pasted key."""

    def __init__(self, sandbox: bool, option: str = "--account"):
        self.sandbox = sandbox
        if sandbox:
            why = "that address is not one of anvil's dev accounts, and an address alone cannot sign"
        else:
            why = "an address alone cannot sign"
        super().__init__(f"{option}: {why}: use {_other_signers(option)}")


class KeystoreNotFound(SignerError):
    def __init__(self, path: Path, name: str | None = None, available: tuple[str, ...] = ()):
        self.path = path
        self.name = name
        self.available = available
        what = f"no keystore named {name!r} at" if name is not None else "no keystore at"
        known = f" (keystores there: {', '.join(available)})" if available else ""
        super().__init__(f"{what} {display_path(path)}{known}")


class KeystoreUnreadable(SignerError):
    def __init__(self, path: Path, reason: str):
        self.path = path
        self.reason = reason
        super().__init__(f"cannot read keystore {display_path(path)}: {reason}")


class NotAKeystore(SignerError):
    def __init__(self, path: Path, reason: str):
        self.path = path
        self.reason = reason
        super().__init__(f"{display_path(path)} is not an encrypted JSON keystore (v3): {reason}")


class KeystorePasswordMissing(SignerError):
    def __init__(self, path: Path):
        self.path = path
        super().__init__(f"no password given for keystore {display_path(path)}")


class WrongKeystorePassword(SignerError):
    def __init__(self, path: Path, from_env: bool = False):
        self.path = path
        self.from_env = from_env
        source = f" (from {KEYSTORE_PASSWORD_ENV})" if from_env else ""
        super().__init__(f"wrong password for keystore {display_path(path)}{source}")


class KeystoreAddressMismatch(SignerError):
    def __init__(self, path: Path, stated: str, actual: str):
        self.path = path
        self.stated = stated
        self.actual = actual
        super().__init__(f"keystore {display_path(path)} gives address {stated}, but its key's address is {actual}")


class MalformedPrivateKey(SignerError):
    """`source` names where the key came from (an env var, a keystore); the key is never shown."""

    def __init__(self, source: str, reason: str):
        self.source = source
        self.reason = reason
        super().__init__(f"{source} is not a usable private key: {reason}")


class InvalidHash(SignerError):
    def __init__(self, what: str):
        self.what = what
        super().__init__(f"a hash to sign must be 32 bytes, got {what}")
