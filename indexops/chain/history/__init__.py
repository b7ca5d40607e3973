"""A chain's history read politely: eth_getLogs over long block ranges in chunks that shrink when a provider
refuses a range and grow back (`fetch.py`, which errors mean "fewer blocks" in `refusals.py`), kept in a local
SQLite cache keyed by the chain's genesis hash (`cache.py`) so that a re-run asks only for blocks it has not
seen, with the last `FINALITY_BLOCKS` below the head never cached as final (`history.py`); receipts, block
headers and archive reads at many blocks in few batches, cached the same way (`receipts.py`, `blocks.py`,
`archive.py`); the transactions given accounts sent to given contracts (`transactions.py`); a product's
contracts' events (`events.py`), roles (`roles.py`) and prices at past blocks (`prices.py`).

Nothing here imports web3 at module level except through the connection it is given."""
