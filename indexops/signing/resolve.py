"""Choosing the signer from `--account` / `--keystore` and the environment.

  --account 0..9        anvil dev account N (sandbox only); a negative number is a bad account number
  --account 0xADDRESS   an anvil dev account's address (sandbox only); no other address can sign
  --account NAME        Foundry keystore <foundry_dir>/keystores/NAME
  --keystore PATH       a keystore file anywhere
  neither               INDEXOPS_PRIVATE_KEY, else an error saying how to choose

Values that could hold a secret are never echoed: a `--account` or `--keystore` that looks like
a raw private key is refused as such, and addresses are not repeated back (40 hex digits could
be a cut key).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path

from indexops.signing.anvil import ANVIL_ACCOUNT_COUNT, anvil_dev_index, anvil_signer
from indexops.signing.env import env_key_is_set, signer_from_env
from indexops.signing.errors import (
    AddressIsNotASigner,
    AnvilAccountOffSandbox,
    AnvilAccountOutOfRange,
    ConflictingSignerOptions,
    InvalidAccountValue,
    NoSignerChosen,
    PrivateKeyOnCommandLine,
)
from indexops.signing.keystore import foundry_keystores_dir, load_keystore
from indexops.signing.keytext import looks_like_private_key
from indexops.signing.signer import Signer

_ACCOUNT_NUMBER = re.compile(r"-?[0-9]+")
_ADDRESS = re.compile(r"0[xX][0-9a-fA-F]{40}")


def resolve_signer(
    account: str | None,
    keystore: Path | None,
    *,
    environ: Mapping[str, str],
    sandbox: bool,
    password: Callable[[str], str],
    foundry_dir: Path | None = None,
    option: str = "--account",
) -> Signer:
    """The signer the user chose; `password(prompt)` is called only for a keystore without
    INDEXOPS_KEYSTORE_PASSWORD set. `foundry_dir` is Foundry's home (`~/.foundry`). `option` is the
    flag `account` was given with (`--account`, `--trader`): every message about it names that flag."""
    if account is not None and keystore is not None:
        raise ConflictingSignerOptions()
    if keystore is not None:
        return _keystore_file(Path(keystore), environ, password)
    if account is not None:
        return _account(
            account, environ=environ, sandbox=sandbox, password=password, foundry_dir=foundry_dir, option=option
        )
    if env_key_is_set(environ):
        return signer_from_env(environ)
    raise NoSignerChosen(sandbox)


def _account(
    account: str,
    *,
    environ: Mapping[str, str],
    sandbox: bool,
    password: Callable[[str], str],
    foundry_dir: Path | None,
    option: str,
) -> Signer:
    if looks_like_private_key(account):
        raise PrivateKeyOnCommandLine(option)
    if account[:2] in ("0x", "0X"):
        return _address(account, sandbox, option)
    if _ACCOUNT_NUMBER.fullmatch(account):
        return _anvil_index(account, sandbox, option)
    if not account or account in (".", "..") or any(c in account for c in "/\\\0"):
        raise InvalidAccountValue(
            "expected a keystore name, an anvil account number (0-9) or an address; "
            "use --keystore PATH for a keystore file elsewhere",
            option,
        )
    path = foundry_keystores_dir(foundry_dir) / account
    return load_keystore(path, environ=environ, password=password, name=account)


def _anvil_index(text: str, sandbox: bool, option: str) -> Signer:
    if text.startswith("-") or len(text) > 4 or int(text) >= ANVIL_ACCOUNT_COUNT:
        raise AnvilAccountOutOfRange(text, option)
    index = int(text)
    if not sandbox:
        raise AnvilAccountOffSandbox(index, option)
    return anvil_signer(index)


def _address(text: str, sandbox: bool, option: str) -> Signer:
    if _ADDRESS.fullmatch(text) is None:
        raise InvalidAccountValue("a value starting with 0x must be an address (0x and 40 hex digits)", option)
    from eth_utils import is_checksum_address, to_checksum_address

    digits = text[2:]
    if digits != digits.lower() and digits != digits.upper() and not is_checksum_address(text):
        raise InvalidAccountValue(
            "the address has a wrong checksum (write it checksummed or all in lower case)", option
        )
    address = to_checksum_address("0x" + digits.lower())
    index = anvil_dev_index(address) if sandbox else None
    if index is None:
        raise AddressIsNotASigner(sandbox, option)
    return anvil_signer(index)


def _keystore_file(path: Path, environ: Mapping[str, str], password: Callable[[str], str]) -> Signer:
    expanded = path.expanduser()
    if not expanded.exists() and looks_like_private_key(path.name):
        raise PrivateKeyOnCommandLine("--keystore")
    return load_keystore(expanded, environ=environ, password=password)
