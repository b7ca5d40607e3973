"""Keystores by Foundry name and by path: round trips, where the password comes from, every refusal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from indexops.signing import SignerKind, resolve_signer
from indexops.signing.errors import (
    ConflictingSignerOptions,
    InvalidAccountValue,
    KeystoreAddressMismatch,
    KeystoreNotFound,
    KeystorePasswordMissing,
    KeystoreUnreadable,
    NotAKeystore,
    PrivateKeyOnCommandLine,
    WrongKeystorePassword,
)
from tests.signing.helpers import KEY_ADDRESS, KEY_HEX, PASSWORD, WRONG_PASSWORD, no_password, write_keystore


class Prompt:
    """A password callable that records its prompts."""

    def __init__(self, answer):
        self.answer = answer
        self.prompts = []

    def __call__(self, prompt):
        self.prompts.append(prompt)
        return self.answer


@pytest.fixture
def foundry(tmp_path):
    return tmp_path / "foundry"


@pytest.mark.parametrize("kdf", ["scrypt", "pbkdf2"])
@pytest.mark.parametrize("foundry_style", [True, False])
def test_keystore_by_name(foundry, kdf, foundry_style):
    path = write_keystore(foundry / "keystores" / "ops", kdf=kdf, foundry_style=foundry_style)
    prompt = Prompt(PASSWORD)
    signer = resolve_signer("ops", None, environ={}, sandbox=False, password=prompt, foundry_dir=foundry)
    assert signer.address == KEY_ADDRESS
    assert signer.kind is SignerKind.KEYSTORE
    assert signer.origin == f"keystore {path}"
    assert prompt.prompts == [f"Password for keystore {path}: "]


def test_keystore_by_path_with_password_from_env(tmp_path):
    path = write_keystore(tmp_path / "elsewhere" / "key.json", capital_crypto=True)
    environ = {"INDEXOPS_KEYSTORE_PASSWORD": PASSWORD}
    signer = resolve_signer(None, path, environ=environ, sandbox=True, password=no_password)
    assert signer.address == KEY_ADDRESS
    assert str(signer) == f"{KEY_ADDRESS} (keystore {path})"


def test_empty_password_from_env_counts_as_set(tmp_path):
    path = write_keystore(tmp_path / "k.json", password="")
    signer = resolve_signer(None, path, environ={"INDEXOPS_KEYSTORE_PASSWORD": ""}, sandbox=False, password=no_password)
    assert signer.address == KEY_ADDRESS


def test_keystore_flag_wins_over_env_key(tmp_path):
    path = write_keystore(tmp_path / "k.json")
    environ = {"INDEXOPS_KEYSTORE_PASSWORD": PASSWORD, "INDEXOPS_PRIVATE_KEY": "0x" + "11" * 32}
    assert resolve_signer(None, path, environ=environ, sandbox=False, password=no_password).address == KEY_ADDRESS


def test_home_shown_as_tilde(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    write_keystore(tmp_path / ".foundry" / "keystores" / "ops")
    signer = resolve_signer("ops", None, environ={}, sandbox=False, password=Prompt(PASSWORD))
    assert repr(signer) == f"<Signer {KEY_ADDRESS} (keystore ~/.foundry/keystores/ops)>"
    keystore_in_home = resolve_signer(None, tmp_path / ".foundry" / "keystores" / "ops", environ={},
                                      sandbox=False, password=Prompt(PASSWORD))
    assert keystore_in_home.origin == "keystore ~/.foundry/keystores/ops"


def test_keystore_path_with_tilde(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    write_keystore(tmp_path / "k.json")
    signer = resolve_signer(None, Path("~/k.json"), environ={}, sandbox=False, password=Prompt(PASSWORD))
    assert signer.origin == "keystore ~/k.json"


# ---- refusals, each with its exact message ----


def test_both_account_and_keystore(tmp_path):
    with pytest.raises(ConflictingSignerOptions) as raised:
        resolve_signer("ops", tmp_path / "k.json", environ={}, sandbox=False, password=no_password)
    assert str(raised.value) == "--account and --keystore were both given: choose one signer"


def test_missing_keystore_by_name_names_the_path_and_what_is_there(foundry):
    write_keystore(foundry / "keystores" / "dev")
    write_keystore(foundry / "keystores" / "alice")
    with pytest.raises(KeystoreNotFound) as raised:
        resolve_signer("ops", None, environ={}, sandbox=False, password=no_password, foundry_dir=foundry)
    assert str(raised.value) == f"no keystore named 'ops' at {foundry}/keystores/ops (keystores there: alice, dev)"


def test_missing_keystore_without_a_keystores_dir(foundry):
    with pytest.raises(KeystoreNotFound) as raised:
        resolve_signer("ops", None, environ={}, sandbox=False, password=no_password, foundry_dir=foundry)
    assert str(raised.value) == f"no keystore named 'ops' at {foundry}/keystores/ops"


def test_missing_keystore_by_path(tmp_path):
    with pytest.raises(KeystoreNotFound) as raised:
        resolve_signer(None, tmp_path / "nope.json", environ={}, sandbox=False, password=no_password)
    assert str(raised.value) == f"no keystore at {tmp_path}/nope.json"


@pytest.mark.parametrize("name", ["", ".", "..", "../ops", "a/b", "a\\b"])
def test_account_name_that_is_not_a_file_name(name, foundry):
    with pytest.raises(InvalidAccountValue) as raised:
        resolve_signer(name, None, environ={}, sandbox=False, password=no_password, foundry_dir=foundry)
    assert str(raised.value) == (
        "--account: expected a keystore name, an anvil account number (0-9) or an address; "
        "use --keystore PATH for a keystore file elsewhere"
    )


def _keystore_json(tmp_path):
    return json.loads(write_keystore(tmp_path / "template.json").read_text())


def _broken(tmp_path, name, mutate):
    data = _keystore_json(tmp_path)
    mutate(data)
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return path


@pytest.mark.parametrize(
    "content, reason",
    [
        (b"0x" + KEY_HEX.encode(), "it is not JSON"),
        (b"\xff\xfe\x00garbage", "it is not JSON"),
        (b"", "it is not JSON"),
        (json.dumps("0x" + KEY_HEX).encode(), "it is not a JSON object"),
        (b"[1, 2]", "it is not a JSON object"),
        (b"{}", "no version field"),
        (b'{"version": 4}', "its version is not 3"),
        (b'{"version": true, "crypto": {}}', "its version is not 3"),
        (b'{"version": 3}', "no crypto section"),
        (b'{"version": 3, "crypto": {"kdf": "argon2id"}}', "unsupported kdf (expected scrypt or pbkdf2)"),
        (b'{"version": 3, "crypto": {}}', "no crypto.kdf"),
    ],
)
def test_files_that_are_not_keystores(tmp_path, content, reason):
    path = tmp_path / "file"
    path.write_bytes(content)
    with pytest.raises(NotAKeystore) as raised:
        resolve_signer(None, path, environ={}, sandbox=False, password=no_password)
    assert str(raised.value) == f"{path} is not an encrypted JSON keystore (v3): {reason}"


@pytest.mark.parametrize(
    "field, mutate, reason",
    [
        ("cipher", lambda d: d["crypto"].update(cipher="aes-128-cbc"), "unsupported cipher (expected aes-128-ctr)"),
        ("kdfparams", lambda d: d["crypto"].pop("kdfparams"), "no crypto.kdfparams"),
        ("mac", lambda d: d["crypto"].pop("mac"), "missing or malformed crypto.mac"),
        ("ciphertext", lambda d: d["crypto"].update(ciphertext="not hex"), "missing or malformed crypto.ciphertext"),
        ("iv", lambda d: d["crypto"].pop("cipherparams"), "missing or malformed crypto.cipherparams.iv"),
    ],
)
def test_malformed_crypto_sections(tmp_path, field, mutate, reason):
    path = _broken(tmp_path, field, mutate)
    with pytest.raises(NotAKeystore) as raised:
        resolve_signer(None, path, environ={}, sandbox=False, password=no_password)
    assert str(raised.value) == f"{path} is not an encrypted JSON keystore (v3): {reason}"


def test_unusable_kdf_parameters(tmp_path):
    path = _broken(tmp_path, "k.json", lambda d: d["crypto"]["kdfparams"].pop("salt"))
    with pytest.raises(NotAKeystore) as raised:
        resolve_signer(None, path, environ={}, sandbox=False, password=Prompt(PASSWORD))
    assert str(raised.value) == f"{path} is not an encrypted JSON keystore (v3): its kdf parameters could not be used"


def test_directory_is_not_a_keystore(foundry):
    (foundry / "keystores" / "ops").mkdir(parents=True)
    with pytest.raises(NotAKeystore) as raised:
        resolve_signer("ops", None, environ={}, sandbox=False, password=no_password, foundry_dir=foundry)
    assert str(raised.value) == f"{foundry}/keystores/ops is not an encrypted JSON keystore (v3): it is a directory"


def test_unreadable_keystore(tmp_path, monkeypatch):
    path = write_keystore(tmp_path / "k.json")

    def refuse(self):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", refuse)
    with pytest.raises(KeystoreUnreadable) as raised:
        resolve_signer(None, path, environ={}, sandbox=False, password=no_password)
    assert str(raised.value) == f"cannot read keystore {path}: Permission denied"


def test_wrong_password_from_the_prompt(foundry):
    write_keystore(foundry / "keystores" / "ops")
    with pytest.raises(WrongKeystorePassword) as raised:
        resolve_signer("ops", None, environ={}, sandbox=False, password=Prompt(WRONG_PASSWORD), foundry_dir=foundry)
    assert str(raised.value) == f"wrong password for keystore {foundry}/keystores/ops"


def test_wrong_password_from_the_env(tmp_path):
    path = write_keystore(tmp_path / "k.json", kdf="pbkdf2")
    with pytest.raises(WrongKeystorePassword) as raised:
        resolve_signer(None, path, environ={"INDEXOPS_KEYSTORE_PASSWORD": WRONG_PASSWORD}, sandbox=False,
                       password=no_password)
    assert str(raised.value) == f"wrong password for keystore {path} (from INDEXOPS_KEYSTORE_PASSWORD)"


def test_cancelled_prompt(tmp_path):
    path = write_keystore(tmp_path / "k.json")
    with pytest.raises(KeystorePasswordMissing) as raised:
        resolve_signer(None, path, environ={}, sandbox=False, password=Prompt(None))
    assert str(raised.value) == f"no password given for keystore {path}"


def test_stated_address_must_match_the_key(tmp_path):
    other = "0x" + "ab" * 20
    path = _broken(tmp_path, "k.json", lambda d: d.update(address=other[2:]))
    with pytest.raises(KeystoreAddressMismatch) as raised:
        resolve_signer(None, path, environ={}, sandbox=False, password=Prompt(PASSWORD))
    assert str(raised.value) == (
        f"keystore {path} gives address {other}, but its key's address is {KEY_ADDRESS}"
    )


def test_stated_address_that_is_not_an_address(tmp_path):
    path = _broken(tmp_path, "k.json", lambda d: d.update(address="nope"))
    with pytest.raises(NotAKeystore) as raised:
        resolve_signer(None, path, environ={}, sandbox=False, password=Prompt(PASSWORD))
    assert str(raised.value) == f"{path} is not an encrypted JSON keystore (v3): its address field is not an address"


@pytest.mark.parametrize("spelling", [KEY_HEX, "0x" + KEY_HEX, "0X" + KEY_HEX.upper()])
def test_a_private_key_given_as_keystore_path(spelling):
    with pytest.raises(PrivateKeyOnCommandLine) as raised:
        resolve_signer(None, Path(spelling), environ={}, sandbox=False, password=no_password)
    assert str(raised.value) == (
        "--keystore looks like a private key: never pass a key on the command line; "
        "use --account NAME (a Foundry keystore), --keystore PATH or INDEXOPS_PRIVATE_KEY"
    )
