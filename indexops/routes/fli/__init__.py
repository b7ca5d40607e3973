"""The leverage route: FlexibleLeverageStrategyExtension's own calls as plan steps, one call per chunk.

`chunks` predicts the engage / iterateRebalance / disengage chunks with the pure `indexops.leverage` calls;
`chain` reads what a lever plan is made from (strategy, operator, pools) and is `FliRoute`, the executor's
view of it; `drift` says what moved since a lever plan was made; `settings` turns `KEY=VALUE` changes into
the setter calls, checked by the contract's own rules.
"""
