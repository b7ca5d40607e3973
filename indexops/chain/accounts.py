"""Turn what a user typed for an account into a checksummed address."""

from __future__ import annotations

from eth_utils import is_checksum_address, is_hex_address, to_checksum_address

from indexops.errors import UsageError


def parse_account(text: str, sandbox: bool, connection) -> str:
    if text.isdigit():
        if not sandbox:
            raise UsageError(f"--account {text}: numbered dev accounts exist only on the sandbox; give an address")
        accounts = connection.w3.eth.accounts
        index = int(text)
        if index >= len(accounts):
            raise UsageError(f"--account {text}: the sandbox has dev accounts 0..{len(accounts) - 1}")
        return to_checksum_address(accounts[index])
    return parse_address(text, "--account")


def parse_address(text: str, what: str) -> str:
    if not is_hex_address(text):
        raise UsageError(f"{what}: not an address: {text!r}")
    if text != text.lower() and not is_checksum_address(text):
        raise UsageError(f"{what}: address checksum does not match: {text} (expected {to_checksum_address(text)})")
    return to_checksum_address(text)
