"""ABIs indexops speaks, shipped with the package (extracted from the published artifacts)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

ABI_DIR = Path(__file__).parent / "abi"


@cache
def load_abi(name: str) -> tuple:
    """The ABI named `name` (e.g. "SetToken", "delegated/TradeExtension")."""
    return tuple(json.loads((ABI_DIR / f"{name}.json").read_text()))


def contract(w3, name: str, address: str):
    """A contract bound to `address`; the ABI-parsed factory is built once per connection and ABI."""
    factories = w3.__dict__.setdefault("_indexops_factories", {})
    if name not in factories:
        factories[name] = w3.eth.contract(abi=list(load_abi(name)))
    return factories[name](address=address)
