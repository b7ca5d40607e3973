"""Errors of the Safe layer; each builds its own one-line message from plain values.

Most are `UsageError`s (exit 2): they describe a file, a signature set or an address the
user supplied. Only the service errors are plain `IndexopsError`s: the input may be fine
and the remote side refused or was unreachable.
"""

from __future__ import annotations

from collections.abc import Sequence

from indexops.errors import IndexopsError, UsageError


class UnsupportedSafeVersion(UsageError):
    def __init__(self, text: object):
        self.text = text
        super().__init__(f"Safe version {text!r} is not understood (expected something like 1.3.0)")


class SafeTxHashMismatch(UsageError):
    def __init__(self, expected: bytes, computed: bytes, how: str = "recomputed"):
        self.expected = expected
        self.computed = computed
        super().__init__(f"safeTxHash mismatch: given 0x{expected.hex()}, but {how} 0x{computed.hex()}")


class MalformedSafeTxFile(UsageError):
    def __init__(self, path: str, problems: str | Sequence[str]):
        self.path = path
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(f"{path}: {problem}" for problem in self.problems))


class MalformedMultiSend(UsageError):
    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(f"malformed MultiSend payload: {reason}")


class InnerDelegateCall(UsageError):
    def __init__(self, index: int):
        self.index = index
        super().__init__(f"call #{index} is a delegatecall; MultiSendCallOnly refuses inner delegatecalls")


class MalformedBatchFile(UsageError):
    """One line per problem, so a file can be fixed in one pass."""

    def __init__(self, path: str, problems: str | Sequence[str]):
        self.path = path
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(f"{path}: {problem}" for problem in self.problems))


class ChecksumMismatch(UsageError):
    def __init__(self, expected: str, found: str | None):
        self.expected = expected
        self.found = found
        if found is None:
            message = f"batch file has no meta.checksum (its content hashes to {expected})"
        else:
            message = f"batch file checksum mismatch: meta.checksum is {found}, content hashes to {expected}"
        super().__init__(message)


class WrongChain(UsageError):
    def __init__(self, expected: int, found: int | str, what: str = "batch file"):
        self.expected = expected
        self.found = found
        super().__init__(f"{what} is for chain {found}, but the Safe is on chain {expected}")


class MethodDataMismatch(UsageError):
    def __init__(self, index: int | None, method: str):
        self.index = index
        self.method = method
        where = "transaction" if index is None else f"transaction #{index}"
        super().__init__(f"{where}: data does not encode the displayed call {method}(...) with its inputs")


class InputsNotEncodable(UsageError):
    def __init__(self, index: int, reason: str):
        self.index = index
        self.reason = reason
        super().__init__(
            f"transaction #{index}: the Transaction Builder would not encode these inputs ({reason}); "
            "it would send no data"
        )


class InvalidSignature(UsageError):
    """`code` is the Safe's own revert code for the same refusal (GS021 ... GS027), when it has one."""

    def __init__(self, reason: str, index: int | None = None, code: str | None = None):
        self.reason = reason
        self.index = index
        self.code = code
        where = "" if index is None else f" #{index}"
        super().__init__(f"invalid signature{where}: {reason}")


class SignerNotOwner(UsageError):
    code = "GS026"

    def __init__(self, address: str):
        self.address = address
        super().__init__(f"signer {address} is not an owner of the Safe")


class DuplicateSigner(UsageError):
    code = "GS026"

    def __init__(self, address: str):
        self.address = address
        super().__init__(f"owner {address} signed more than once")


class SignaturesOutOfOrder(UsageError):
    code = "GS026"

    def __init__(self, previous: str, current: str):
        self.previous = previous
        self.current = current
        super().__init__(
            f"signatures are not sorted by owner: {current} comes after {previous}; "
            "the Safe requires strictly increasing owner addresses"
        )


class SenderNotSigner(UsageError):
    def __init__(self, sender: str, signers: Sequence[str]):
        self.sender = sender
        self.signers = list(signers)
        super().__init__(f"sender {sender} must be one of the signers of the proposal ({', '.join(signers) or 'none'})")


class NotEnoughSignatures(UsageError):
    code = "GS020"

    def __init__(self, expected: int, actual: int):
        self.expected = expected
        self.actual = actual
        super().__init__(f"need {expected} owner signature(s) to meet the threshold, got {actual}")


class ServiceError(IndexopsError):
    """The Safe Transaction Service answered with an error; its own text is kept as is."""

    def __init__(self, action: str, status: int, body: str):
        self.action = action
        self.status = status
        self.body = body
        super().__init__(f"Safe Transaction Service refused to {action} (HTTP {status}): {body}")


class ServiceUnavailable(IndexopsError):
    def __init__(self, url: str, reason: str):
        self.url = url
        self.reason = reason
        super().__init__(f"Safe Transaction Service at {url} could not be reached: {reason}")


class ServiceAnswerMalformed(IndexopsError):
    def __init__(self, url: str, reason: str, what: str = "a Safe's description"):
        self.url = url
        self.reason = reason
        super().__init__(f"Safe Transaction Service at {url} gave an answer that is not {what}: {reason}")


class ServiceOnOtherChain(UsageError):
    def __init__(self, url: str, service_chain: int, chain_id: int):
        self.service_chain = service_chain
        self.chain_id = chain_id
        super().__init__(
            f"the Safe Transaction Service at {url} serves chain {service_chain}, but the Safe is on chain {chain_id}: "
            "nothing was read from it or posted (is it the service for this chain?)"
        )


class SafeUnknownToService(UsageError):
    def __init__(self, url: str, safe: str, chain: str):
        self.url = url
        self.safe = safe
        super().__init__(
            f"the Safe Transaction Service at {url} does not know the Safe {safe}, which is on {chain}: "
            "nothing was posted (is it the service for this chain?)"
        )


class ServiceDisagrees(UsageError):
    def __init__(self, url: str, safe: str, chain: str, differences: Sequence[str]):
        self.url = url
        self.safe = safe
        self.differences = list(differences)
        super().__init__(
            f"the Safe Transaction Service at {url} and {chain} disagree about the Safe {safe}: "
            f"{'; '.join(self.differences)}; nothing was posted (is it the service for this chain?)"
        )
