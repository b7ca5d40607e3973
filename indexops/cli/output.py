"""Where output goes: rich on a terminal, JSON for programs, errors on stderr. No logic here."""

from __future__ import annotations

import json
import sys
from functools import cache

from rich.console import Console

PIPE_WIDTH = 160  # tables piped to a file or pager are not squeezed to 80 columns


@cache
def stdout() -> Console:
    return Console(highlight=False, width=None if sys.stdout.isatty() else PIPE_WIDTH)


@cache
def stderr() -> Console:
    return Console(stderr=True, highlight=False)


def emit_json(payload) -> None:
    sys.stdout.write(json.dumps(payload, indent=2, sort_keys=False, default=str) + "\n")


def note(message: str) -> None:
    """A side remark for people (progress, hints): stderr, so --json stdout stays clean."""
    stderr().print(message)
