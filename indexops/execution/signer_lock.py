"""One sender per account and chain: a process that sends from an account holds that account's lock.

Two executors sending from the same account race for its nonces, whichever plans or journal files
they use: the loser dies on `nonce too low`, or, with another plan's transaction signed at the same
nonce, replaces it. So the lock is keyed by chain id and sender address and lives in the user's data
dir, not beside the journal. It is the same kernel `flock` as the plan lock (see `journal.lock`): a
dead holder never leaves it stale.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path

from indexops.errors import UsageError
from indexops.execution.journal.lock import LockHolder, foreign_host, lock_file, unlock_file

LOCKS_FOLDER = "signer-locks"


class SignerBusy(UsageError):
    def __init__(self, address: str, chain_id: int, holder: LockHolder | None, path: Path):
        self.address = address
        if holder is None:
            who = f"another process (lock file {path})"
        else:
            host = foreign_host(holder)
            who = f"process {holder.pid}{f' on host {host}' if host else ''} since {holder.since}"
        super().__init__(
            f"{address} is already sending on chain {chain_id} from {who}: one process per account, "
            "or their nonces collide; wait for it or stop it"
        )


def signer_lock_path(data_dir: Path, chain_id: int, address: str) -> Path:
    return Path(data_dir) / LOCKS_FOLDER / f"{chain_id}-{address.lower()}.lock"


@contextmanager
def holding_signers(
    data_dir: Path, chain_id: int, addresses: Iterable[str], now: datetime | None = None
) -> Iterator[None]:
    """Hold the lock of every account in `addresses` on the chain for the `with` block; SignerBusy if one is held."""
    moment = now or datetime.now(UTC)
    with ExitStack() as held:
        for address in sorted({a.lower(): a for a in addresses}.values(), key=str.lower):
            path = signer_lock_path(data_dir, chain_id, address)
            fd, _me, _previous = lock_file(path, "the signer's lock file", _busy(address, chain_id, path), moment)
            held.callback(unlock_file, fd)
        yield


def _busy(address: str, chain_id: int, path: Path) -> Callable[[LockHolder | None], Exception]:
    """The SignerBusy that `lock_file` raises when a live process holds `address`'s lock."""
    return lambda holder: SignerBusy(address, chain_id, holder, path)
