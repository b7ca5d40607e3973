"""Anvil's dev accounts: derived from the default mnemonic, usable by number or address on the sandbox only."""

from __future__ import annotations

import pytest
from eth_account import Account

from indexops.signing import (
    SignerKind,
    anvil_dev_address,
    anvil_dev_index,
    anvil_dev_key_address,
    anvil_signer,
    resolve_signer,
)
from indexops.signing.errors import (
    AddressIsNotASigner,
    AnvilAccountOffSandbox,
    AnvilAccountOutOfRange,
    InvalidAccountValue,
)
from tests.signing.helpers import ANVIL_WELL_KNOWN, no_password


@pytest.mark.parametrize("n, address", sorted(ANVIL_WELL_KNOWN.items()))
def test_dev_accounts_derive_to_their_well_known_addresses(n, address):
    key, derived = anvil_dev_key_address(n)
    assert derived == address
    assert Account.from_key(key).address == address
    assert anvil_dev_address(n) == address
    assert anvil_dev_index(address.lower()) == n


def test_ten_distinct_accounts_and_unknown_address():
    assert len({anvil_dev_address(n) for n in range(10)}) == 10
    assert anvil_dev_index("0x" + "12" * 20) is None


@pytest.mark.parametrize("n", [-1, 10, True, "3", 3.0])
def test_dev_account_number_out_of_range(n):
    with pytest.raises(AnvilAccountOutOfRange) as raised:
        anvil_dev_key_address(n)
    assert str(raised.value) == f"--account {n}: anvil dev accounts are numbered 0 to 9"


def test_anvil_signer_kind_and_origin():
    signer = anvil_signer(3)
    assert signer.kind is SignerKind.ANVIL
    assert signer.origin == "anvil account 3"
    assert signer.address == ANVIL_WELL_KNOWN[3]


@pytest.mark.parametrize("n", [0, 1, 3, 9])
def test_account_number_on_the_sandbox(n):
    signer = resolve_signer(str(n), None, environ={}, sandbox=True, password=no_password)
    assert signer.address == ANVIL_WELL_KNOWN[n]
    assert str(signer) == f"{ANVIL_WELL_KNOWN[n]} (anvil account {n})"


def test_account_number_off_the_sandbox_is_refused():
    with pytest.raises(AnvilAccountOffSandbox) as raised:
        resolve_signer("3", None, environ={}, sandbox=False, password=no_password)
    assert str(raised.value) == (
        "--account 3 is anvil dev account 3, which exists only on the sandbox: "
        "use --account NAME (a Foundry keystore), --keystore PATH or INDEXOPS_PRIVATE_KEY"
    )
    assert raised.value.exit_code == 2


@pytest.mark.parametrize("text, shown", [("10", " 10"), ("9999", " 9999"), ("123456", "")])
def test_account_number_too_large(text, shown):
    with pytest.raises(AnvilAccountOutOfRange) as raised:
        resolve_signer(text, None, environ={}, sandbox=True, password=no_password)
    assert str(raised.value) == f"--account{shown}: anvil dev accounts are numbered 0 to 9"


@pytest.mark.parametrize("spelling", [str.lower, lambda a: a, lambda a: "0x" + a[2:].upper()])
def test_dev_account_address_on_the_sandbox(spelling):
    signer = resolve_signer(spelling(ANVIL_WELL_KNOWN[1]), None, environ={}, sandbox=True, password=no_password)
    assert signer.address == ANVIL_WELL_KNOWN[1]
    assert signer.origin == "anvil account 1"


def test_other_address_on_the_sandbox_is_not_a_signer():
    address = "0x000000000000000000000000000000000000dEaD"
    with pytest.raises(AddressIsNotASigner) as raised:
        resolve_signer(address.lower(), None, environ={}, sandbox=True, password=no_password)
    assert str(raised.value) == (
        "--account: that address is not one of anvil's dev accounts, and an address alone cannot sign: "
        "use --account NAME (a Foundry keystore), --keystore PATH or INDEXOPS_PRIVATE_KEY"
    )


def test_address_off_the_sandbox_is_not_a_signer():
    address = ANVIL_WELL_KNOWN[0]
    with pytest.raises(AddressIsNotASigner) as raised:
        resolve_signer(address, None, environ={}, sandbox=False, password=no_password)
    assert str(raised.value) == (
        "--account: an address alone cannot sign: "
        "use --account NAME (a Foundry keystore), --keystore PATH or INDEXOPS_PRIVATE_KEY"
    )


def test_address_with_a_bad_checksum():
    bad = "0xF39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
    with pytest.raises(InvalidAccountValue) as raised:
        resolve_signer(bad, None, environ={}, sandbox=True, password=no_password)
    assert str(raised.value) == (
        "--account: the address has a wrong checksum (write it checksummed or all in lower case)"
    )


@pytest.mark.parametrize("text", ["0x1234", "0x" + "zz" * 20, "0x" + "ab" * 21])
def test_other_0x_values(text):
    with pytest.raises(InvalidAccountValue) as raised:
        resolve_signer(text, None, environ={}, sandbox=True, password=no_password)
    assert str(raised.value) == "--account: a value starting with 0x must be an address (0x and 40 hex digits)"
