"""Encrypted JSON keystores (v3), as geth and `cast wallet` write them.

Foundry keeps them as `~/.foundry/keystores/<name>` (often without an `address` field). The
file is checked before any password is asked for, and none of its values is quoted back in an
error. The password is taken from INDEXOPS_KEYSTORE_PASSWORD when set, else from the
`password(prompt)` callable the caller passes in: this module never prompts itself.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from indexops.signing.display import display_path
from indexops.signing.errors import (
    KEYSTORE_PASSWORD_ENV,
    KeystoreAddressMismatch,
    KeystoreNotFound,
    KeystorePasswordMissing,
    KeystoreUnreadable,
    NotAKeystore,
    WrongKeystorePassword,
)
from indexops.signing.keytext import key_range_problem
from indexops.signing.signer import LocalSigner, SignerKind

PasswordSource = Callable[[str], str]

_KDFS = ("scrypt", "pbkdf2")
_CIPHER = "aes-128-ctr"
_HEX = re.compile(r"(?:0x)?[0-9a-fA-F]+")
_ADDRESS = re.compile(r"(?:0x)?[0-9a-fA-F]{40}")
_NOT_JSON = object()


def foundry_keystores_dir(foundry_dir: Path | None = None) -> Path:
    """`<foundry_dir>/keystores`, `~/.foundry/keystores` by default (where `cast wallet` keeps them)."""
    return (foundry_dir if foundry_dir is not None else Path.home() / ".foundry") / "keystores"


def keystore_names(directory: Path) -> tuple[str, ...]:
    """Names of the files in a keystores directory, sorted; empty if it cannot be listed."""
    try:
        return tuple(sorted(p.name for p in directory.iterdir() if p.is_file() and not p.name.startswith(".")))
    except OSError:
        return ()


def load_keystore(
    path: Path,
    *,
    environ: Mapping[str, str],
    password: PasswordSource,
    name: str | None = None,
) -> LocalSigner:
    """Decrypt the keystore at `path`; `name` is the `--account NAME` it was found by, if any."""
    if not path.exists():
        available = keystore_names(path.parent) if name is not None else ()
        raise KeystoreNotFound(path, name, available)
    keyfile = _read_keyfile(path)
    from_env = KEYSTORE_PASSWORD_ENV in environ
    secret = environ[KEYSTORE_PASSWORD_ENV] if from_env else password(f"Password for keystore {display_path(path)}: ")
    if not isinstance(secret, str):  # e.g. None from a prompt the user cancelled
        raise KeystorePasswordMissing(path)
    key = _decrypt(keyfile, secret, path, from_env)
    if key_range_problem(key):
        raise NotAKeystore(path, "it does not hold a valid private key")
    signer = LocalSigner(key, kind=SignerKind.KEYSTORE, origin=f"keystore {display_path(path)}")
    _check_stated_address(keyfile, signer.address, path)
    return signer


def _read_keyfile(path: Path) -> dict[str, Any]:
    """The parsed keyfile with its keys lower-cased (geth once wrote "Crypto"), or a NotAKeystore."""
    if path.is_dir():
        raise NotAKeystore(path, "it is a directory")
    # Errors are raised outside the `except` blocks, so they carry no context: a JSONDecodeError
    # holds the whole document, which may be a raw key pasted into a file.
    unreadable = None
    try:
        raw = path.read_bytes()
    except OSError as error:
        unreadable = error.strerror or type(error).__name__
    if unreadable is not None:
        raise KeystoreUnreadable(path, unreadable)
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        data = _NOT_JSON
    if data is _NOT_JSON:
        raise NotAKeystore(path, "it is not JSON")
    if not isinstance(data, dict):
        raise NotAKeystore(path, "it is not a JSON object")
    keyfile = _lower_keys(data)
    problem = _structure_problem(keyfile)
    if problem:
        raise NotAKeystore(path, problem)
    return keyfile


def _structure_problem(keyfile: dict[str, Any]) -> str | None:
    version = keyfile.get("version")
    if version != 3 or isinstance(version, bool):
        return "no version field" if version is None else "its version is not 3"
    crypto = keyfile.get("crypto")
    if not isinstance(crypto, dict):
        return "no crypto section"
    kdf = crypto.get("kdf")
    if kdf not in _KDFS:
        return "unsupported kdf (expected scrypt or pbkdf2)" if kdf else "no crypto.kdf"
    if crypto.get("cipher") != _CIPHER:
        return f"unsupported cipher (expected {_CIPHER})"
    if not isinstance(crypto.get("kdfparams"), dict):
        return "no crypto.kdfparams"
    cipherparams = crypto.get("cipherparams")
    fields = {
        "crypto.ciphertext": crypto.get("ciphertext"),
        "crypto.mac": crypto.get("mac"),
        "crypto.cipherparams.iv": cipherparams.get("iv") if isinstance(cipherparams, dict) else None,
    }
    for field, value in fields.items():
        if not isinstance(value, str) or _HEX.fullmatch(value) is None:
            return f"missing or malformed {field}"
    return None


def _decrypt(keyfile: dict[str, Any], secret: str, path: Path, from_env: bool) -> bytes:
    from eth_account import Account

    try:
        return bytes(Account.decrypt(keyfile, secret))
    except Exception as error:  # eth-keyfile raises several types; none of them name the password
        wrong_password = "MAC mismatch" in str(error)
    if wrong_password:
        raise WrongKeystorePassword(path, from_env)
    raise NotAKeystore(path, "its kdf parameters could not be used")


def _check_stated_address(keyfile: dict[str, Any], actual: str, path: Path) -> None:
    stated = keyfile.get("address")
    if stated is None:
        return
    if not isinstance(stated, str) or _ADDRESS.fullmatch(stated) is None:
        raise NotAKeystore(path, "its address field is not an address")
    digits = stated[2:] if stated.startswith("0x") else stated
    if digits.lower() != actual[2:].lower():
        raise KeystoreAddressMismatch(path, "0x" + digits.lower(), actual)


def _lower_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {(k.lower() if isinstance(k, str) else k): _lower_keys(v) for k, v in value.items()}
    return value
