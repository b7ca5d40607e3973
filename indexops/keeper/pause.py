"""Pausing one product's keeper without restarting it: a flag file in the user data dir, read each block."""

from __future__ import annotations

import re
from pathlib import Path

from indexops.errors import UsageError

PAUSED_FOLDER = "keeper-paused"
_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


def flag_path(data_dir: Path, product: str) -> Path:
    if not _KEY.fullmatch(product):
        raise UsageError(f"{product!r}: not a product key")
    return Path(data_dir) / PAUSED_FOLDER / product


def is_paused(data_dir: Path, product: str) -> bool:
    return flag_path(data_dir, product).exists()


def pause(data_dir: Path, product: str) -> bool:
    """Pause the product; False when it already was."""
    path = flag_path(data_dir, product)
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("paused\n", encoding="utf-8")
    return True


def resume(data_dir: Path, product: str) -> bool:
    """Resume the product; False when it was not paused."""
    path = flag_path(data_dir, product)
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True
