"""Trade direction, as seen from the component: sold for WETH or bought with WETH."""

from __future__ import annotations

from typing import Literal

Side = Literal["sell", "buy"]
