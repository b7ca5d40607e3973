"""One executor per plan: an exclusive, non-blocking `flock` on a lock file next to the journal.

Why a kernel file lock and not a row in a locks table: the kernel drops a `flock` the moment
its holder dies, however it dies (SIGKILL, OOM, power loss ends the whole host), so a dead
holder never leaves a stale lock and there is no PID liveness guess to make (PIDs are reused;
a table row outlives its process). "Taken over from a dead PID" is then automatic: if the lock
can be taken, nobody alive holds it, and the PID the file still names (if any) is reported as
the previous holder. The holder writes its PID, host and start time into the file so that a
refused process can say who holds it.

Lock files are never deleted (unlinking a lock file races with a process that has just opened
it, and two processes would then hold "the" lock on different files); releasing empties it.
`flock` is per open file, so a second acquire in the same process is refused too. Like any
file lock it needs the data dir on a local file system (not NFS).
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from indexops.execution.journal.errors import JournalUnusable, PlanLocked


@dataclass(frozen=True)
class LockHolder:
    pid: int
    host: str
    since: str


def lock_path(journal_path: Path, plan_hash: str) -> Path:
    return journal_path.parent / f"{journal_path.name}.locks" / f"{plan_hash[2:]}.lock"


class PlanLock:
    """A held plan lock; release it with `release()` or by leaving the `with` block.

    `taken_over` is the holder the lock file still named when this process took the lock (a
    process that died without releasing it), or None.
    """

    def __init__(self, plan_hash: str, path: Path, fd: int, holder: LockHolder, taken_over: LockHolder | None):
        self.plan_hash = plan_hash
        self.path = path
        self.holder = holder
        self.taken_over = taken_over
        self._fd: int | None = fd
        self._on_release: list[Callable[[PlanLock], None]] = []

    @property
    def held(self) -> bool:
        return self._fd is not None

    def on_release(self, callback: Callable[[PlanLock], None]) -> None:
        self._on_release.append(callback)

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            unlock_file(fd)
        finally:
            for callback in self._on_release:
                callback(self)

    def __enter__(self) -> PlanLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def take(journal_path: Path, plan_hash: str, now: datetime) -> PlanLock:
    """The plan's lock, held by this process; PlanLocked if another process holds it."""
    path = lock_path(journal_path, plan_hash)

    def busy(holder: LockHolder | None) -> Exception:
        if holder is None:
            return PlanLocked(plan_hash, None, None, None, path)
        return PlanLocked(plan_hash, holder.pid, holder.since, foreign_host(holder), path)

    fd, me, previous = lock_file(path, "the plan's lock file", busy, now)
    return PlanLock(plan_hash, path, fd, me, previous)


def lock_file(
    path: Path, what: str, busy: Callable[[LockHolder | None], Exception], now: datetime
) -> tuple[int, LockHolder, LockHolder | None]:
    """An exclusive flock on `path` with this process written in it: (fd, this holder, the dead holder it names).

    `busy(holder)` is the error raised when a live process holds it; `what` names the file in other errors.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as error:
        raise JournalUnusable(path, f"cannot open {what} ({error.strerror or error})") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _read_holder(fd)
        os.close(fd)
        raise busy(holder) from None
    except OSError as error:
        os.close(fd)
        raise JournalUnusable(path, f"cannot lock {what} ({error.strerror or error})") from None
    previous = _read_holder(fd)
    me = LockHolder(pid=os.getpid(), host=socket.gethostname(), since=_display_time(now))
    try:
        _write_holder(fd, me)
    except OSError as error:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
        raise JournalUnusable(path, f"cannot write {what} ({error.strerror or error})") from None
    return fd, me, previous


def unlock_file(fd: int) -> None:
    """Empty the lock file (so it names nobody) and drop the lock."""
    try:
        os.ftruncate(fd, 0)
    except OSError:
        pass
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def foreign_host(holder: LockHolder) -> str | None:
    return holder.host if holder.host != socket.gethostname() else None


def _display_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def _read_holder(fd: int) -> LockHolder | None:
    try:
        text = os.pread(fd, 4096, 0).decode("utf-8")
        data = json.loads(text) if text.strip() else None
        if not isinstance(data, dict):
            return None
        return LockHolder(pid=int(data["pid"]), host=str(data["host"]), since=str(data["since"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_holder(fd: int, holder: LockHolder) -> None:
    text = json.dumps({"pid": holder.pid, "host": holder.host, "since": holder.since}) + "\n"
    data = text.encode("utf-8")
    os.ftruncate(fd, 0)
    os.pwrite(fd, data, 0)
