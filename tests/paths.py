"""Where the repository and its shipped products file are, for tests anywhere in the tree."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHIPPED_PRODUCTS = REPO / "products.toml"
