"""Errors of the plan-file layer; each writes its own one-line message from plain values.

A plan file the user points at that cannot be used is a `UsageError` (exit 2): the fix is
theirs (re-run `indexops plan`, pick the right file). Plans built wrongly by code, and state
values a caller passes wrongly, are plain `IndexopsError`s: the user did nothing wrong.
"""

from __future__ import annotations

from pydantic import ValidationError

from indexops.errors import IndexopsError, UsageError

SCHEMA_VERSION = 1


def first_problem(error: ValidationError) -> str:
    """The first problem of a pydantic error as `key.path[2]: what is wrong`, on one line."""
    problems = error.errors(include_url=False)
    if not problems:
        return "invalid"
    problem = problems[0]
    kind = problem.get("type", "")
    if kind == "missing":
        text = "missing"
    elif kind == "extra_forbidden":
        text = f"unknown key (schema {SCHEMA_VERSION} has no such field)"
    else:
        text = str(problem.get("msg", "invalid")).removeprefix("Value error, ")
    location = key_path(problem.get("loc", ()))
    line = f"{location}: {text}" if location else text
    if len(problems) > 1:
        more = len(problems) - 1
        line += f" (and {more} more problem{'s' if more > 1 else ''})"
    return _one_line(line)


def key_path(loc: tuple) -> str:
    """`("steps", 2, "to")` -> `steps[2].to`."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _one_line(text: str) -> str:
    return " ".join(text.split("\n"))


class PlanFileError(UsageError):
    """A plan file that cannot be used as it is."""

    def __init__(self, path: object, message: str):
        self.path = str(path)
        super().__init__(_one_line(message))


class PlanFileMissing(PlanFileError):
    def __init__(self, path: object):
        super().__init__(path, f"plan file {path} does not exist; make one with `indexops plan`")


class PlanFileUnreadable(PlanFileError):
    def __init__(self, path: object, reason: str):
        self.reason = reason
        super().__init__(path, f"plan file {path} cannot be read: {reason}")


class PlanFileNotJson(PlanFileError):
    def __init__(self, path: object, reason: str):
        self.reason = reason
        super().__init__(path, f"plan file {path} is not valid JSON ({reason})")


class PlanSchemaTooNew(PlanFileError):
    def __init__(self, path: object, version: int):
        self.version = version
        super().__init__(
            path,
            f"plan file {path} was written by a newer indexops (schema {version}); "
            f"this version reads schema {SCHEMA_VERSION}",
        )


class PlanSchemaUnknown(PlanFileError):
    def __init__(self, path: object, value: object):
        self.value = value
        super().__init__(
            path,
            f"plan file {path} has schema_version {value!r}, which no indexops writes; "
            f"this version reads schema {SCHEMA_VERSION}",
        )


class PlanFileMalformed(PlanFileError):
    """The file is JSON but not the shape of a plan; `problem` names the key path."""

    def __init__(self, path: object, problem: str):
        self.problem = problem
        super().__init__(path, f"plan file {path}: {problem}")


class PlanHashMismatch(PlanFileError):
    def __init__(self, path: object, recorded: str, computed: str):
        self.recorded = recorded
        self.computed = computed
        super().__init__(
            path,
            f"plan file {path} does not match its content hash: it was edited after it was written; "
            "re-run `indexops plan`",
        )


class PlanNotCanonical(PlanFileError):
    """The hash matches the text, but the text is not how indexops writes that plan."""

    def __init__(self, path: object):
        super().__init__(
            path,
            f"plan file {path} is not in the form indexops writes (its values are spelled differently); "
            "re-run `indexops plan`",
        )


class PlanWriteFailed(PlanFileError):
    def __init__(self, path: object, reason: str):
        self.reason = reason
        super().__init__(path, f"cannot write plan file {path}: {reason}")


class PlanNameUnsafe(UsageError):
    def __init__(self, what: str, value: str):
        self.what = what
        self.value = value
        super().__init__(
            f"{what} {value!r} cannot be part of a plan file name "
            "(use letters, digits, '.', '_' and '-', starting with a letter or digit)"
        )


class InvalidPlan(IndexopsError):
    """Plan fields built by code that do not make a valid plan (a bug, not a user mistake)."""

    def __init__(self, problem: str):
        self.problem = problem
        super().__init__(_one_line(f"the plan is not valid: {problem}"))


class UnsealedPlan(IndexopsError):
    def __init__(self, recorded: str, computed: str):
        self.recorded = recorded
        self.computed = computed
        super().__init__(
            f"the plan's content_hash {recorded} is not the hash of its contents ({computed}); "
            "build plans with seal(), not model_copy(update=...)"
        )


class InvalidStateValues(IndexopsError):
    """State values for the digest that cannot be hashed unambiguously."""

    def __init__(self, problem: str):
        self.problem = problem
        super().__init__(_one_line(f"state digest: {problem}"))
