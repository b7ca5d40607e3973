"""Errors of the execution journal; each writes its own one-line message from plain values.

A journal the user must act on (written by a newer indexops, not a journal at all, a plan being
executed by another process, a plan started on another chain) is a `UsageError` (exit 2).
A refused transition or a value the executor passed wrongly is a plain `JournalError`: the
executor stops before it broadcasts anything, and the message says what the journal holds.
"""

from __future__ import annotations

from indexops.errors import IndexopsError, UsageError


def one_line(text: str) -> str:
    return " ".join(str(text).split())


def short(plan_hash: str) -> str:
    """`0x` and the first 8 hex digits of a plan hash, as people read it."""
    return plan_hash[:10]


class JournalError(IndexopsError):
    def __init__(self, message: str):
        super().__init__(one_line(message))


class JournalUnusable(UsageError, JournalError):
    def __init__(self, path: object, reason: str):
        self.path = str(path)
        self.reason = reason
        JournalError.__init__(self, f"execution journal {path} cannot be used: {reason}")


class JournalSchemaTooNew(UsageError, JournalError):
    def __init__(self, path: object, version: int, supported: int):
        self.path = str(path)
        self.version = version
        self.supported = supported
        JournalError.__init__(
            self,
            f"execution journal {path} was written by a newer indexops (schema {version}); "
            f"this version reads schema {supported}: upgrade indexops",
        )


class JournalWriteFailed(JournalError):
    def __init__(self, path: object, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"could not write the execution journal {path}: {reason}; nothing was broadcast after it")


class InvalidJournalValue(JournalError):
    def __init__(self, what: str, reason: str):
        self.what = what
        self.reason = reason
        super().__init__(f"journal: {what}: {reason}")


class RunMismatch(UsageError, JournalError):
    def __init__(self, plan_hash: str, field: str, recorded: object, given: object):
        self.plan_hash = plan_hash
        self.field = field
        self.recorded = recorded
        self.given = given
        JournalError.__init__(
            self,
            f"plan {short(plan_hash)} was started with {field} {recorded}; refusing to execute it with {field} {given}",
        )


class RunNotStarted(JournalError):
    def __init__(self, plan_hash: str):
        self.plan_hash = plan_hash
        super().__init__(f"plan {short(plan_hash)} has no run in the journal; begin_run comes first")


class PlanLocked(UsageError, JournalError):
    def __init__(self, plan_hash: str, pid: int | None, since: str | None, host: str | None, lock_path: object):
        self.plan_hash = plan_hash
        self.pid = pid
        self.since = since
        self.host = host
        if pid is None:
            text = f"plan {short(plan_hash)} is being executed by another process (lock file {lock_path})"
        else:
            where = f" on host {host}" if host else ""
            text = f"plan {short(plan_hash)} is being executed by process {pid}{where} since {since}"
        JournalError.__init__(self, text)


class PlanNotLocked(JournalError):
    def __init__(self, plan_hash: str):
        self.plan_hash = plan_hash
        super().__init__(
            f"journal writes for plan {short(plan_hash)} need its lock: use `with journal.acquire(plan_hash):`"
        )


class IllegalTransition(JournalError):
    def __init__(self, plan_hash: str, step_index: int, current: str, wanted: str, hint: str = ""):
        self.plan_hash = plan_hash
        self.step_index = step_index
        self.current = current
        self.wanted = wanted
        tail = f" ({hint})" if hint else ""
        super().__init__(f"step {step_index} of plan {short(plan_hash)} is {current}; it cannot become {wanted}{tail}")


class StepReplaced(JournalError):
    def __init__(self, plan_hash: str, step_index: int, nonce: int, by: str | None):
        self.plan_hash = plan_hash
        self.step_index = step_index
        by_text = f"by {by}" if by else "by another transaction"
        super().__init__(
            f"step {step_index} of plan {short(plan_hash)} was replaced {by_text} with the same nonce ({nonce}); "
            "indexops does not retry it: check that transaction and make a new plan"
        )


class StepInFlight(JournalError):
    def __init__(self, plan_hash: str, step_index: int, tx_hash: str, nonce: int, wanted: str):
        self.plan_hash = plan_hash
        self.step_index = step_index
        self.tx_hash = tx_hash
        self.nonce = nonce
        super().__init__(
            f"step {step_index} of plan {short(plan_hash)} has a transaction in flight ({tx_hash}, nonce {nonce}); "
            f"reconcile it before {wanted}"
        )


class StepOutOfOrder(JournalError):
    def __init__(self, plan_hash: str, step_index: int, blocking: int, blocking_state: str, verb: str = "signed"):
        self.plan_hash = plan_hash
        self.step_index = step_index
        self.blocking = blocking
        super().__init__(
            f"step {step_index} of plan {short(plan_hash)} cannot be {verb} before step {blocking} is mined "
            f"or done outside this executor (it is {blocking_state})"
        )


class NonceUsed(JournalError):
    def __init__(self, sender: str, nonce: int, tx_hash: str, plan_hash: str, step_index: int, how: str):
        self.sender = sender
        self.nonce = nonce
        self.tx_hash = tx_hash
        super().__init__(
            f"nonce {nonce} of {sender} {how} {tx_hash} (step {step_index} of plan {short(plan_hash)}); "
            "take the next nonce from the chain"
        )


class DuplicateTransaction(JournalError):
    def __init__(self, tx_hash: str, plan_hash: str, step_index: int, attempt: int, *, chain_unknown: bool = False):
        self.tx_hash = tx_hash
        hint = (
            " (journaled before the journal kept which chain instance a run was on: if that chain is gone, "
            "e.g. a sandbox that was reset, run with a new --journal file)"
            if chain_unknown
            else ""
        )
        super().__init__(
            f"transaction {tx_hash} is already journaled as attempt {attempt} of step {step_index} "
            f"of plan {short(plan_hash)}{hint}"
        )


class SignedTxMismatch(JournalError):
    """The values given with a signed transaction are not the ones inside it."""

    def __init__(self, what: str, given: object, inside: object):
        self.what = what
        self.given = given
        self.inside = inside
        super().__init__(f"the signed transaction's {what} is {inside}, not {given} as given; nothing was journaled")


class UnreconciledSteps(JournalError):
    def __init__(self, plan_hash: str, step_index: int, state: str, tx_hash: str, nonce: int, more: int):
        self.plan_hash = plan_hash
        self.step_index = step_index
        others = f" (and {more} more)" if more else ""
        super().__init__(
            f"step {step_index} of plan {short(plan_hash)} is {state} ({tx_hash}, nonce {nonce}){others}: "
            "reconcile it with the chain before sending anything new"
        )


class JournalPlanMismatch(JournalError):
    def __init__(self, plan_hash: str, step_index: int, total_steps: int):
        self.plan_hash = plan_hash
        super().__init__(
            f"the journal has step {step_index} for plan {short(plan_hash)}, which has only {total_steps} steps"
        )
