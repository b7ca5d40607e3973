"""The INDEXOPS_PRIVATE_KEY signer, and what happens when no signer is chosen."""

from __future__ import annotations

import pytest

from indexops.signing import SignerKind, resolve_signer
from indexops.signing.errors import MalformedPrivateKey, NoSignerChosen, PrivateKeyOnCommandLine
from indexops.signing.keytext import SECP256K1_N
from tests.signing.helpers import KEY_ADDRESS, KEY_HEX, no_password


@pytest.mark.parametrize(
    "value",
    ["0x" + KEY_HEX, "0X" + KEY_HEX.upper(), KEY_HEX, f"  0x{KEY_HEX}\n"],
    ids=["0x", "upper", "bare", "spaces"],
)
def test_env_key(value):
    signer = resolve_signer(None, None, environ={"INDEXOPS_PRIVATE_KEY": value}, sandbox=False, password=no_password)
    assert signer.address == KEY_ADDRESS
    assert signer.kind is SignerKind.ENV
    assert str(signer) == f"{KEY_ADDRESS} (env INDEXOPS_PRIVATE_KEY)"
    assert repr(signer) == f"<Signer {KEY_ADDRESS} (env INDEXOPS_PRIVATE_KEY)>"


@pytest.mark.parametrize(
    "value",
    ["0x" + KEY_HEX[:-1], "0x" + KEY_HEX + "0", "0x" + KEY_HEX[:-1] + "g", "0x0x" + KEY_HEX[4:], "hunter2"],
    ids=["short", "long", "not-hex", "double-prefix", "word"],
)
def test_malformed_env_key(value):
    with pytest.raises(MalformedPrivateKey) as raised:
        resolve_signer(None, None, environ={"INDEXOPS_PRIVATE_KEY": value}, sandbox=False, password=no_password)
    assert str(raised.value) == (
        "INDEXOPS_PRIVATE_KEY is not a usable private key: expected 0x followed by 64 hex digits"
    )
    assert raised.value.exit_code == 2


@pytest.mark.parametrize("number", [0, SECP256K1_N, 2**256 - 1], ids=["zero", "order", "max"])
def test_env_key_out_of_range(number):
    value = "0x" + number.to_bytes(32, "big").hex()
    with pytest.raises(MalformedPrivateKey) as raised:
        resolve_signer(None, None, environ={"INDEXOPS_PRIVATE_KEY": value}, sandbox=False, password=no_password)
    assert str(raised.value) == (
        "INDEXOPS_PRIVATE_KEY is not a usable private key: zero or not below the secp256k1 curve order"
    )


@pytest.mark.parametrize("environ", [{}, {"INDEXOPS_PRIVATE_KEY": ""}, {"INDEXOPS_PRIVATE_KEY": "  "}])
def test_no_signer_chosen(environ):
    with pytest.raises(NoSignerChosen) as raised:
        resolve_signer(None, None, environ=environ, sandbox=False, password=no_password)
    assert str(raised.value) == (
        "no signer chosen: use --account NAME (a Foundry keystore), --keystore PATH, or set INDEXOPS_PRIVATE_KEY"
    )


def test_no_signer_chosen_on_the_sandbox_mentions_anvil_accounts():
    with pytest.raises(NoSignerChosen) as raised:
        resolve_signer(None, None, environ={}, sandbox=True, password=no_password)
    assert str(raised.value) == (
        "no signer chosen: use --account 0-9 (an anvil dev account), --account NAME (a Foundry keystore), "
        "--keystore PATH, or set INDEXOPS_PRIVATE_KEY"
    )


def test_account_flag_wins_over_env_key():
    environ = {"INDEXOPS_PRIVATE_KEY": "0x" + KEY_HEX}
    assert resolve_signer("0", None, environ=environ, sandbox=True, password=no_password).origin == "anvil account 0"


@pytest.mark.parametrize("spelling", [KEY_HEX, "0x" + KEY_HEX, "0X" + KEY_HEX.upper(), KEY_HEX.upper()])
def test_a_private_key_given_as_account(spelling):
    with pytest.raises(PrivateKeyOnCommandLine) as raised:
        resolve_signer(spelling, None, environ={}, sandbox=True, password=no_password)
    assert str(raised.value) == (
        "--account looks like a private key: never pass a key on the command line; "
        "use --account NAME (a Foundry keystore), --keystore PATH or INDEXOPS_PRIVATE_KEY"
    )
