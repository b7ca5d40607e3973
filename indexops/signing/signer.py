"""The signer: an address that can sign, and nothing that shows its key.

`Signer` is the protocol the rest of indexops codes against; `LocalSigner` is the one
implementation here, holding a key in memory (an anvil dev account, a decrypted keystore or
an environment variable). Its repr and str show the address and where the key came from;
the key itself is in a private slot, and pickling is refused so it is never written out.

The methods fit the Safe layer's callable signers: `sign_typed_data` returns the 65-byte
signature `sign_safe_tx(tx, signer.sign_typed_data)` expects, and `sign_message` the one
`eth_sign_safe_tx_hash(hash, signer.sign_message)` expects.

eth-account is imported when a signer is made, not when this module is.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any, Protocol, runtime_checkable

from indexops.signing.errors import InvalidHash, MalformedPrivateKey
from indexops.signing.keytext import key_range_problem


class SignerKind(Enum):
    ANVIL = "anvil"
    KEYSTORE = "keystore"
    ENV = "env"


@runtime_checkable
class Signer(Protocol):
    @property
    def address(self) -> str: ...

    @property
    def origin(self) -> str: ...

    def sign_transaction(self, tx: Mapping[str, Any]) -> bytes: ...

    def sign_hash(self, h: bytes) -> tuple[int, int, int]: ...

    def sign_typed_data(self, full_message: Mapping[str, Any]) -> bytes: ...

    def sign_message(self, message: bytes) -> bytes: ...


class LocalSigner:
    """A key held in memory. `origin` says where it came from, e.g. "anvil account 3"."""

    __slots__ = ("_account", "_kind", "_origin")

    def __init__(self, key: bytes, *, kind: SignerKind, origin: str):
        problem = key_range_problem(key) if isinstance(key, (bytes, bytearray)) else "not bytes"
        if problem:
            raise MalformedPrivateKey(origin, problem)
        from eth_account import Account

        self._account = Account.from_key(bytes(key))
        self._kind = kind
        self._origin = origin

    @property
    def address(self) -> str:
        """Checksummed address."""
        return self._account.address

    @property
    def kind(self) -> SignerKind:
        return self._kind

    @property
    def origin(self) -> str:
        """Where the key came from: "anvil account 3", "keystore ~/.foundry/keystores/ops", ..."""
        return self._origin

    def sign_transaction(self, tx: Mapping[str, Any]) -> bytes:
        """The raw signed transaction, ready for `eth_sendRawTransaction`."""
        return bytes(self._account.sign_transaction(dict(tx)).raw_transaction)

    def sign_hash(self, h: bytes) -> tuple[int, int, int]:
        """(r, s, v) with v 27/28, over the 32-byte hash itself (no prefix): for Safe tx hashes."""
        if not isinstance(h, (bytes, bytearray)):
            raise InvalidHash(type(h).__name__)
        if len(h) != 32:
            raise InvalidHash(f"{len(h)} bytes")
        signed = self._account.unsafe_sign_hash(bytes(h))
        return signed.r, signed.s, signed.v

    def sign_typed_data(self, full_message: Mapping[str, Any]) -> bytes:
        """65-byte r|s|v (v 27/28) EIP-712 signature of a full typed-data message."""
        from eth_account.messages import encode_typed_data

        signable = encode_typed_data(full_message=dict(full_message))
        return bytes(self._account.sign_message(signable).signature)

    def sign_message(self, message: bytes) -> bytes:
        """65-byte r|s|v (v 27/28) EIP-191 personal-message (`eth_sign`) signature of `message`."""
        from eth_account.messages import encode_defunct

        return bytes(self._account.sign_message(encode_defunct(primitive=bytes(message))).signature)

    def __repr__(self) -> str:
        return f"<Signer {self.address} ({self._origin})>"

    def __str__(self) -> str:
        return f"{self.address} ({self._origin})"

    def __reduce_ex__(self, protocol: Any) -> Any:
        raise TypeError(f"{self!r} cannot be pickled: it holds a private key")

    def __getstate__(self) -> Any:
        raise TypeError(f"{self!r} cannot be pickled: it holds a private key")

    def __copy__(self) -> LocalSigner:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> LocalSigner:
        return self
