"""Turn what a user typed for an account into a checksummed address."""

from __future__ import annotations

import re

from eth_utils import is_checksum_address, is_hex_address, to_checksum_address

from indexops.errors import UsageError

_ACCOUNT_NUMBER = re.compile(r"-?[0-9]+")


def parse_account(text: str, sandbox: bool, connection, option: str = "--account") -> str:
    """`text` as given with `option`: an address, or a dev account's number on the sandbox."""
    if _ACCOUNT_NUMBER.fullmatch(text):
        shown = f"{option} {text}" if len(text) <= 4 else option  # a long digit string is not echoed
        if not sandbox:
            raise UsageError(f"{shown}: numbered dev accounts exist only on the sandbox; give an address")
        accounts = connection.w3.eth.accounts
        if text.startswith("-") or len(text) > 4 or int(text) >= len(accounts):
            raise UsageError(f"{shown}: the sandbox has dev accounts 0..{len(accounts) - 1}")
        return to_checksum_address(accounts[int(text)])
    return parse_address(text, option)


def parse_address(text: str, what: str) -> str:
    if not is_hex_address(text):
        raise UsageError(f"{what}: not an address: {text!r}")
    if text != text.lower() and not is_checksum_address(text):
        raise UsageError(f"{what}: address checksum does not match: {text} (expected {to_checksum_address(text)})")
    return to_checksum_address(text)
