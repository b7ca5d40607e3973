"""A key from the INDEXOPS_PRIVATE_KEY environment variable, for automation.

A malformed value is refused with a fixed reason: the value is never part of a message.
"""

from __future__ import annotations

from collections.abc import Mapping

from indexops.signing.errors import PRIVATE_KEY_ENV, MalformedPrivateKey
from indexops.signing.keytext import private_key_from_hex
from indexops.signing.signer import LocalSigner, SignerKind


def env_key_is_set(environ: Mapping[str, str]) -> bool:
    """Set and not blank: `INDEXOPS_PRIVATE_KEY=` counts as unset."""
    return bool(environ.get(PRIVATE_KEY_ENV, "").strip())


def signer_from_env(environ: Mapping[str, str]) -> LocalSigner:
    key, reason = private_key_from_hex(environ.get(PRIVATE_KEY_ENV, ""))
    if key is None:
        raise MalformedPrivateKey(PRIVATE_KEY_ENV, reason or "")
    return LocalSigner(key, kind=SignerKind.ENV, origin=f"env {PRIVATE_KEY_ENV}")
