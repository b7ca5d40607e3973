"""The `indexops safe ...` workflows: export a plan's Safe-held steps, decode and verify an export for a
signer, simulate it on a fork, sign, execute through the Safe and propose to a Transaction Service.

One module per verb (`export`, `decode`, `simulate`, `sign`, `exec`, `propose`), over `files` (an export
read back and cross-checked), `chain` and `state` (what the chain says about the Safe and what its
transactions may change) and `address_book` (names and ABIs for decoding). The formats themselves are
the pure `indexops.safe` package.
"""
