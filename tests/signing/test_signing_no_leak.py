"""No private key or password shows in any error, repr or str the signer layer produces.

Every refusal is run with the secret at hand (the key in INDEXOPS_PRIVATE_KEY, in a keystore, or
on the command line; the password in the environment or the prompt), and its message, repr,
attributes and formatted traceback are searched for the key (any 12 hex digits of it in a row,
any case, with or without 0x, or its bytes) and for both passwords.
"""

from __future__ import annotations

import json
import pickle
from collections.abc import Callable
from pathlib import Path

import pytest
from eth_account import Account
from hypothesis import given, settings
from hypothesis import strategies as st

from indexops.errors import UsageError
from indexops.signing import LocalSigner, SignerKind, anvil_dev_key_address, anvil_signer, resolve_signer
from indexops.signing.keytext import SECP256K1_N
from tests.signing.helpers import (
    KEY,
    KEY_HEX,
    PASSWORD,
    WRONG_PASSWORD,
    error_texts,
    no_password,
    secret_leaks,
    write_keystore,
)

ENV_KEY = {"INDEXOPS_PRIVATE_KEY": "0x" + KEY_HEX}
ENV_ALL = {**ENV_KEY, "INDEXOPS_KEYSTORE_PASSWORD": PASSWORD}


def prompt(answer):
    return lambda _prompt: answer


def _with_file(content: bytes) -> Callable[[Path], object]:
    def run(tmp: Path):
        path = tmp / "file"
        path.write_bytes(content)
        return resolve_signer(None, path, environ=ENV_ALL, sandbox=True, password=no_password)

    return run


def _keystore(mutate=None, environ=ENV_KEY, answer=PASSWORD, by_name=False):
    def run(tmp: Path):
        path = write_keystore(tmp / "foundry" / "keystores" / "ops")
        if mutate:
            data = json.loads(path.read_text())
            mutate(data)
            path.write_text(json.dumps(data))
        account, keystore = ("ops", None) if by_name else (None, path)
        return resolve_signer(account, keystore, environ=environ, sandbox=False, password=prompt(answer),
                              foundry_dir=tmp / "foundry")

    return run


def _env(value: str, **kw):
    return lambda tmp: resolve_signer(None, None, environ={"INDEXOPS_PRIVATE_KEY": value, **kw}, sandbox=False,
                                      password=no_password)


def _account(value: str, sandbox=True, environ=ENV_ALL):
    return lambda tmp: resolve_signer(value, None, environ=environ, sandbox=sandbox, password=no_password,
                                      foundry_dir=tmp / "foundry")


def _keystore_path(value: str):
    return lambda tmp: resolve_signer(None, Path(value), environ=ENV_ALL, sandbox=False, password=no_password)


ERROR_PATHS = {
    # INDEXOPS_PRIVATE_KEY malformed: near misses of the real key are never echoed
    "env-one-digit-short": _env("0x" + KEY_HEX[:-1]),
    "env-one-digit-long": _env("0x" + KEY_HEX + "a"),
    "env-bad-digit": _env("0x" + KEY_HEX[:-1] + "z"),
    "env-upper-bad-digit": _env("0X" + KEY_HEX.upper()[:-1] + "Z"),
    "env-bytes-repr": _env(repr(KEY)),
    "env-out-of-range": _env("0x" + SECP256K1_N.to_bytes(32, "big").hex()),
    # the key on the command line
    "account-key-0x": _account("0x" + KEY_HEX),
    "account-key-bare": _account(KEY_HEX),
    "account-key-upper": _account(KEY_HEX.upper(), sandbox=False),
    "account-key-cut": _account("0x" + KEY_HEX[:40]),  # 40 digits: taken as an address, not a signer
    "account-key-cut-odd": _account("0x" + KEY_HEX[:50]),
    "keystore-path-is-key": _keystore_path(KEY_HEX),
    "keystore-path-is-0x-key": _keystore_path("0x" + KEY_HEX),
    # other refusals while the key and the password are in the environment
    "conflict": lambda tmp: resolve_signer("ops", tmp, environ=ENV_ALL, sandbox=True, password=no_password),
    "anvil-off-sandbox": _account("3", sandbox=False),
    "anvil-out-of-range": _account("10"),
    "address-off-sandbox": _account("0x" + "12" * 20, sandbox=False),
    "address-not-dev": _account("0x" + "12" * 20),
    "address-bad-checksum": _account("0xF39Fd6e51aad88F6F4ce6aB8827279cffFb92266"),
    "bad-name": _account("../ops"),
    "missing-by-name": _account("ops"),
    "missing-by-path": _keystore_path("/nonexistent/keystore.json"),
    "no-signer": lambda tmp: resolve_signer(None, None, environ={"INDEXOPS_KEYSTORE_PASSWORD": PASSWORD},
                                            sandbox=True, password=no_password),
    # files that hold the key but are not keystores
    "file-raw-key": _with_file(("0x" + KEY_HEX).encode()),
    "file-json-string-key": _with_file(json.dumps("0x" + KEY_HEX).encode()),
    "file-json-object-key": _with_file(json.dumps({"privateKey": "0x" + KEY_HEX}).encode()),
    "file-key-as-kdf": _with_file(json.dumps({"version": 3, "crypto": {"kdf": KEY_HEX}}).encode()),
    "file-key-as-version": _with_file(json.dumps({"version": KEY_HEX}).encode()),
    # keystores: wrong password (prompt and env), cancelled prompt, bad parameters, wrong address
    "wrong-password-prompt": _keystore(answer=WRONG_PASSWORD, by_name=True),
    "wrong-password-env": _keystore(environ={**ENV_KEY, "INDEXOPS_KEYSTORE_PASSWORD": WRONG_PASSWORD}),
    "cancelled-prompt": _keystore(answer=None),
    "bad-kdfparams": _keystore(lambda d: d["crypto"]["kdfparams"].update(salt=PASSWORD)),
    "bad-cipher": _keystore(lambda d: d["crypto"].update(cipher=PASSWORD)),
    "address-mismatch": _keystore(lambda d: d.update(address="ab" * 20)),
    "address-garbage": _keystore(lambda d: d.update(address=KEY_HEX)),
    # the signer itself
    "local-signer-bad-key": lambda tmp: LocalSigner(KEY[:31], kind=SignerKind.ENV, origin="x"),
    "sign-hash-bad": lambda tmp: anvil_signer(0).sign_hash(KEY[:31]),
}


@pytest.mark.parametrize("name", sorted(ERROR_PATHS))
def test_no_error_shows_the_key_or_a_password(name, tmp_path):
    with pytest.raises(UsageError) as raised:
        ERROR_PATHS[name](tmp_path)
    text = error_texts(raised.value)
    assert "\n" not in str(raised.value)  # one line
    assert secret_leaks(text) == [], text


def test_pickling_refusal_shows_no_key(tmp_path):
    signer = resolve_signer(None, None, environ=ENV_KEY, sandbox=False, password=no_password)
    with pytest.raises(TypeError) as raised:
        pickle.dumps(signer)
    assert secret_leaks(error_texts(raised.value)) == []


def _signers(tmp_path):
    path = write_keystore(tmp_path / "foundry" / "keystores" / "ops")
    yield resolve_signer(None, None, environ=ENV_ALL, sandbox=False, password=no_password), KEY
    yield resolve_signer("ops", None, environ=ENV_ALL, sandbox=False, password=no_password,
                         foundry_dir=tmp_path / "foundry"), KEY
    yield resolve_signer(None, path, environ={}, sandbox=False, password=prompt(PASSWORD)), KEY
    for n in (0, 3, 9):
        signer = resolve_signer(str(n), None, environ=ENV_ALL, sandbox=True, password=no_password)
        yield signer, anvil_dev_key_address(n)[0]


def test_no_repr_or_str_shows_the_key(tmp_path):
    for signer, key in _signers(tmp_path):
        text = "\n".join([repr(signer), str(signer), f"{signer}", f"{signer!r}", repr([signer]), repr({"s": signer})])
        assert secret_leaks(text, key) == [], text
        assert signer.address in str(signer) and signer.origin in repr(signer)


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="0123456789abcdefABCDEFxXg \t", min_size=12, max_size=80))
def test_malformed_env_values_are_never_echoed(value):
    try:
        resolve_signer(None, None, environ={"INDEXOPS_PRIVATE_KEY": value}, sandbox=False, password=no_password)
    except UsageError as error:
        assert value.strip() not in error_texts(error)


@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=1, max_value=SECP256K1_N - 1))
def test_any_key_signs_and_hides(number):
    key = number.to_bytes(32, "big")
    signer = resolve_signer(None, None, environ={"INDEXOPS_PRIVATE_KEY": "0x" + key.hex()}, sandbox=False,
                            password=no_password)
    raw = signer.sign_transaction({"to": "0x" + "22" * 20, "value": 1, "gas": 21000, "gasPrice": 1, "nonce": 0,
                                   "chainId": 31337})
    assert Account.recover_transaction(raw) == signer.address
    assert secret_leaks(repr(signer) + str(signer), key, ()) == []
