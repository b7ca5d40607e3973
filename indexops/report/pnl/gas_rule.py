"""What a split is worth once the holders bear the gas instead of the operator, from a history's totals.

The FLI fee debate's rule (35% x (40% - 15%) = 8.75 points): the operator asked to move from the split it had
while paying the gas (60/40) to one that pays for its overheads (85/15); if the holders bear the gas instead,
the share of those points that paid for gas, gas as a share of income, goes back to the methodologist:
85/15 becomes 76.25/23.75. Put otherwise, the operator's share is the average of the two splits weighted by
what gas takes of income: (1 - 35%) x 85 + 35% x 60 = 76.25.

That rule keeps neither party's net where it was. `operator_break_even` is the split at which the operator,
no longer paying gas, nets exactly what it did paying it.
"""

from __future__ import annotations

from decimal import Decimal

from indexops.errors import UsageError
from indexops.report.pnl.scenario import HUNDRED, Split
from indexops.report.pnl.totals import Figures

CENT_OF_A_POINT = Decimal("0.01")


def holders_gas_split(history: Figures, paying_gas: Split, asked_paying_gas: Split) -> Split:
    """The split with the holders bearing the gas, for an operator now at `paying_gas` asking `asked_paying_gas`."""
    share = history.gas_share_of_income
    if share is None:
        raise UsageError("no income before overheads in the history: gas has no share of it")
    moved = paying_gas.methodologist - asked_paying_gas.methodologist
    methodologist = asked_paying_gas.methodologist + Decimal(share) * moved
    return Split.of_operator((HUNDRED - methodologist).quantize(CENT_OF_A_POINT))


def operator_break_even(history: Figures, paying_gas: Split) -> Split:
    """The split at which the operator, the holders bearing the gas, nets what it nets at `paying_gas` paying it."""
    if history.revenue <= 0:
        raise UsageError("no revenue in the history: no split can make up for its gas")
    given_up = Decimal(history.gas / history.revenue) * HUNDRED
    if given_up > paying_gas.operator:
        raise UsageError(f"the gas is more than the operator's {paying_gas.operator}% of revenue: no split breaks even")
    return Split.of_operator((paying_gas.operator - given_up).quantize(CENT_OF_A_POINT))
