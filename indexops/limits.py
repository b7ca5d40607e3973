"""How far a gas price or a wait may sanely go, for flags and the products file alike.

Nothing here imports anything: the CLI's flag parsers load with `indexops --help`.
"""

from __future__ import annotations

MAX_GAS_PRICE_GWEI = 1_000_000  # 0.001 ETH per unit of gas: far above any base fee a chain has charged
MAX_WAIT_SECONDS = 7 * 86_400  # a week: longer than any operator waits for a fee or a receipt
