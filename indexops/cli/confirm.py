"""The one question before anything is sent: asked on a terminal, refused in one line elsewhere."""

from __future__ import annotations

import sys

import typer

from indexops.errors import UsageError


def confirm_or_stop(question: str, yes: bool, review: str) -> None:
    """Go on when `yes` or the person answers yes; `review` says how to look before passing --yes."""
    if yes:
        return
    if not sys.stdin.isatty():
        raise UsageError(f"not a terminal: {review} and pass --yes")
    import questionary

    if not questionary.confirm(question, default=False).ask():
        raise typer.Abort()
