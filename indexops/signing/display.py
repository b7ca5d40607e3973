"""How a path is shown to the user: under the home directory as `~/...`, otherwise as is."""

from __future__ import annotations

from pathlib import Path


def display_path(path: Path) -> str:
    try:
        home = Path.home()
    except RuntimeError:  # no HOME and no passwd entry
        return str(path)
    try:
        relative = path.relative_to(home)
    except ValueError:
        return str(path)
    return "~" if relative == Path(".") else f"~/{relative.as_posix()}"
