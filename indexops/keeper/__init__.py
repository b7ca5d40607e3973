"""The keeper's long-running shell: `indexops keeper run` watches blocks, decides with `indexops.leverage`
(the verdict and the gas policy), and sends, journals and replaces the calls with `indexops.execution`.

`loop` is the block loop, `sending` one product's send / follow / bump / reconcile against the journal,
`pause` the per-product pause flags, `log` the decision lines (human or JSON).
"""
