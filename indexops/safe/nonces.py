"""Which Safe nonce a new transaction takes, given the Safe's own nonce and what a Transaction Service has queued.

The Safe executes nonces in order, one transaction per nonce. Without a nonce asked for, a new
transaction takes the next free one: the Safe's nonce, or one past the highest queued. A nonce asked
for may be a queued one (the new transaction replaces what is queued there: whichever executes first
makes the others void) or the next free one; one below the Safe's nonce is spent, and one past the
next free nonce would leave a gap that blocks it until the nonces before it are used.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from indexops.errors import UsageError


class NonceAlreadyUsed(UsageError):
    def __init__(self, nonce: int, current: int):
        self.nonce = nonce
        self.current = current
        super().__init__(f"--nonce {nonce} is already used: the Safe's next nonce is {current}")


class NonceLeavesGap(UsageError):
    def __init__(self, nonce: int, next_free: int):
        self.nonce = nonce
        self.next_free = next_free
        skipped = f"{next_free}" if nonce == next_free + 1 else f"{next_free} to {nonce - 1}"
        super().__init__(
            f"--nonce {nonce} would leave nonce {skipped} unused: the Safe executes nonces in order, "
            f"so it could not run before them (the next free nonce is {next_free})"
        )


@dataclass(frozen=True)
class NonceChoice:
    nonce: int
    source: str  # "chain" (the Safe's next), "queue" (one past the queued ones), "given" (--nonce)
    replaces: tuple[str, ...] = ()  # safeTxHashes queued at this nonce, which it would void if executed first

    @property
    def describe(self) -> str:
        if self.replaces:
            return f"nonce {self.nonce} from --nonce, replacing {len(self.replaces)} queued: {', '.join(self.replaces)}"
        return {
            "chain": f"nonce {self.nonce}, the Safe's next (nothing queued)",
            "queue": f"nonce {self.nonce}, the next free one after the queue",
            "given": f"nonce {self.nonce} from --nonce",
        }[self.source]


def next_free_nonce(chain_nonce: int, queued_nonces: Iterable[int]) -> int:
    pending = [nonce for nonce in queued_nonces if nonce >= chain_nonce]
    return max(pending) + 1 if pending else chain_nonce


def choose_nonce(
    chain_nonce: int, queued: Mapping[int, Sequence[str]] | None = None, wanted: int | None = None
) -> NonceChoice:
    """The nonce for a new transaction; `queued` maps a queued nonce to its safeTxHashes.

    With `queued` None no service was asked, and a nonce given past the Safe's is taken as it is (the
    user knows of transactions queued elsewhere)."""
    known = queued is not None
    pending = {nonce: tuple(hashes) for nonce, hashes in (queued or {}).items() if nonce >= chain_nonce and hashes}
    next_free = next_free_nonce(chain_nonce, pending)
    if wanted is None:
        return NonceChoice(next_free, "queue" if pending else "chain")
    if wanted < chain_nonce:
        raise NonceAlreadyUsed(wanted, chain_nonce)
    if known and wanted > next_free:
        raise NonceLeavesGap(wanted, next_free)
    return NonceChoice(wanted, "given", pending.get(wanted, ()))
