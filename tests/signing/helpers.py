"""Shared values and checks of the signer tests: a key, a password, fast keystores, leak checks."""

from __future__ import annotations

import json
import traceback
from pathlib import Path

from eth_account import Account

KEY_HEX = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
KEY = bytes.fromhex(KEY_HEX)
KEY_ADDRESS = Account.from_key(KEY).address
PASSWORD = "correct horse battery staple 42!"
WRONG_PASSWORD = "tr0ub4dor&3 not it"

ANVIL_WELL_KNOWN = {
    0: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
    1: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    3: "0x90F79bf6EB2c4f870365E785982E1f101E93b906",
    9: "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720",
}


def write_keystore(
    path: Path,
    key: bytes = KEY,
    password: str = PASSWORD,
    *,
    kdf: str = "scrypt",
    foundry_style: bool = False,
    capital_crypto: bool = False,
) -> Path:
    """A v3 keystore at a low kdf cost; `foundry_style` drops the address field as `cast wallet` does."""
    iterations = 2**10 if kdf == "scrypt" else 16
    keyfile = Account.encrypt(key, password, kdf=kdf, iterations=iterations)
    if foundry_style:
        keyfile.pop("address", None)
    if capital_crypto:
        keyfile["Crypto"] = keyfile.pop("crypto")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(keyfile))
    return path


def no_password(prompt: str) -> str:
    raise AssertionError(f"password prompt not expected: {prompt}")


def secret_leaks(text: str, key: bytes = KEY, passwords: tuple[str, ...] = (PASSWORD, WRONG_PASSWORD)) -> list[str]:
    """What of the key or the passwords shows in `text`: any 12 hex digits of the key in a row
    (so with or without 0x, any case, whole or cut), its bytes repr, or a password."""
    found = []
    low = text.lower()
    digits = key.hex()
    if any(digits[i : i + 12] in low for i in range(len(digits) - 11)):
        found.append("key hex")
    if repr(key) in text or repr(key)[2:-1] in text:
        found.append("key bytes")
    found.extend(f"password {p!r}" for p in passwords if p in text)
    return found


def error_texts(error: BaseException) -> str:
    """Everything an error can show: its formatted traceback, and the message, repr and attributes
    of it and of every exception chained to it (shown or not)."""
    texts = ["".join(traceback.format_exception(error))]
    seen: BaseException | None = error
    while seen is not None:
        attributes = {k: v for k, v in vars(seen).items() if not k.startswith("__")}
        texts += [str(seen), repr(seen), repr(seen.args), repr(attributes)]
        seen = seen.__cause__ or seen.__context__
    return "\n".join(texts)
