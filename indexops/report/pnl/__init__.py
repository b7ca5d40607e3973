"""A product's P&L as plain data: the priced ledger of what happened on chain (`ledger.py`), its totals per party
and month (`totals.py`), and the same history recomputed under another fee arrangement (`scenario.py`)."""
