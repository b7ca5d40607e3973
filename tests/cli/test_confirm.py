"""The question before sending: skipped with --yes, refused in one line without a terminal."""

from __future__ import annotations

import io

import pytest

from indexops.cli.confirm import confirm_or_stop
from indexops.errors import UsageError


def test_yes_goes_on_without_asking(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    confirm_or_stop("Send 1 claim(s)?", yes=True, review="review the preview (--dry-run)")


def test_without_a_terminal_it_says_how_to_review_and_to_pass_yes(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    with pytest.raises(UsageError, match=r"^not a terminal: review the preview \(--dry-run\) and pass --yes$"):
        confirm_or_stop("Send 1 claim(s)?", yes=False, review="review the preview (--dry-run)")
