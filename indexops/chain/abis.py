"""ABIs indexops speaks, shipped with the package (extracted from the published artifacts)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

ABI_DIR = Path(__file__).parent / "abi"


@lru_cache(maxsize=None)
def load_abi(name: str) -> tuple:
    """The ABI named `name` (e.g. "SetToken", "delegated/TradeExtension")."""
    return tuple(json.loads((ABI_DIR / f"{name}.json").read_text()))


def contract(w3, name: str, address: str):
    return w3.eth.contract(address=address, abi=list(load_abi(name)))
