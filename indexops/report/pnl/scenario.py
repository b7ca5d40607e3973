"""The same history under another fee arrangement: `--scenario "split=85/15,gas=holders"`.

Revenue is split OP/METH as given (all of it, as if every fee had been distributed), and all the gas goes to
one bearer: the operator, the methodologist, the holders (neither party: a cost per token held when the
ledger gives the supply), or COMP (the COMP the product claimed pays the gas first, the operator the rest).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from decimal import Decimal
from enum import StrEnum

from indexops.errors import UsageError
from indexops.report.pnl.ledger import EntryKind, Ledger, Party
from indexops.report.pnl.totals import REVENUE_KINDS, Figures, PartyLine, month_of, share_of_income

HUNDRED = Decimal(100)
_PERCENT = re.compile(r"\d{1,3}(\.\d{1,6})?")


class GasBearer(StrEnum):
    OPERATOR = "operator"
    METHODOLOGIST = "methodologist"
    HOLDERS = "holders"
    COMP = "comp"


class ScenarioError(UsageError):
    def __init__(self, problem: str):
        super().__init__(f"--scenario: {problem}")


@dataclass(frozen=True, slots=True)
class Split:
    """Revenue shares in percent, operator / methodologist, adding up to 100."""

    operator: Decimal
    methodologist: Decimal

    @classmethod
    def of_operator(cls, operator: Decimal | float | str) -> Split:
        share = Decimal(str(operator))
        return cls(share, HUNDRED - share)

    @property
    def operator_share(self) -> float:
        return float(self.operator / HUNDRED)

    @property
    def methodologist_share(self) -> float:
        return float(self.methodologist / HUNDRED)

    def rounded(self, step: int = 5) -> Split:
        """To the nearest `step` points for the operator (76.25/23.75 rounds to 75/25)."""
        return Split.of_operator((self.operator / step).quantize(Decimal(1)) * step)

    def __str__(self) -> str:
        return f"{_points(self.operator)}/{_points(self.methodologist)}"


def _points(value: Decimal) -> str:
    return f"{value.normalize():f}"  # as given, without trailing zeros: 76.25, 100


@dataclass(frozen=True, slots=True)
class Scenario:
    """What `--scenario` asked for; a key left out keeps the history's arrangement."""

    split: Split | None = None
    gas: GasBearer | None = None


KEYS = ("split", "gas")


def parse_scenario(text: str) -> Scenario:
    """`split=OP/METH` (percent, adding up to 100) and `gas=operator|methodologist|holders|comp`, comma-separated."""
    if not text.strip():
        raise ScenarioError("empty: give split=OP/METH and/or gas=" + "|".join(GasBearer))
    given: dict[str, str] = {}
    for part in text.split(","):
        key, equals, value = (piece.strip() for piece in part.partition("="))
        if not equals:
            raise ScenarioError(f'"{part.strip()}" is not KEY=VALUE (keys: {", ".join(KEYS)})')
        if key not in KEYS:
            raise ScenarioError(f'unknown key "{key}" (keys: {", ".join(KEYS)})')
        if key in given:
            raise ScenarioError(f"{key} is given twice")
        given[key] = value
    return Scenario(
        split=_split(given["split"]) if "split" in given else None,
        gas=_gas(given["gas"]) if "gas" in given else None,
    )


def _split(value: str) -> Split:
    shares = value.split("/")
    if len(shares) != 2 or not all(_PERCENT.fullmatch(share.strip()) for share in shares):
        raise ScenarioError(f"split={value}: give the operator's and the methodologist's percent, e.g. split=85/15")
    operator, methodologist = (Decimal(share.strip()) for share in shares)
    if operator + methodologist != HUNDRED:
        raise ScenarioError(f"split={value} adds up to {_points(operator + methodologist)}, not 100")
    return Split(operator, methodologist)


def _gas(value: str) -> GasBearer:
    try:
        return GasBearer(value)
    except ValueError:
        raise ScenarioError(f"gas={value}: not one of {', '.join(GasBearer)}") from None


@dataclass(frozen=True, slots=True)
class Arrangement:
    split: Split
    gas: GasBearer

    def __str__(self) -> str:
        return f"split={self.split},gas={self.gas}"


def arrangement_for(scenario: Scenario, actual: Figures) -> Arrangement:
    """The scenario with its gaps filled from the history: the split its distributions paid, the operator's gas."""
    split = scenario.split
    if split is None:
        distributed = actual.operator_take + actual.methodologist_take
        if distributed <= 0:
            raise ScenarioError("give split=OP/METH: the history distributed nothing to take its split from")
        split = Split.of_operator(Decimal(actual.operator_take / distributed * 100).quantize(Decimal("0.01")))
    return Arrangement(split, scenario.gas or GasBearer.OPERATOR)


@dataclass(frozen=True, slots=True)
class ScenarioFigures:
    """One period under the arrangement, USD. With gas=comp, `comp_for_gas` is the COMP applied to gas in the
    period (a claim also pays back gas the operator advanced in earlier periods)."""

    revenue: float = 0.0
    operator_revenue: float = 0.0
    methodologist_revenue: float = 0.0
    operator_gas: float = 0.0
    methodologist_gas: float = 0.0
    holders_gas: float = 0.0
    comp_claimed: float = 0.0
    comp_for_gas: float = 0.0
    supply: float | None = None

    @property
    def gas(self) -> float:
        return self.operator_gas + self.methodologist_gas + self.holders_gas + self.comp_for_gas

    @property
    def income_before_overheads(self) -> float:
        return self.revenue - self.methodologist_revenue

    @property
    def gas_share_of_income(self) -> float | None:
        return share_of_income(self.gas, self.income_before_overheads)

    @property
    def operator_net(self) -> float:
        return self.operator_revenue - self.operator_gas

    @property
    def methodologist_net(self) -> float:
        return self.methodologist_revenue - self.methodologist_gas

    @property
    def comp_left_to_holders(self) -> float:
        return self.comp_claimed - self.comp_for_gas

    @property
    def holders_gas_per_token(self) -> float | None:
        return self.holders_gas / self.supply if self.supply else None

    def as_json(self) -> dict:
        sums = {column.name: getattr(self, column.name) for column in fields(self) if column.name != "supply"}
        return {**sums, **{name: getattr(self, name) for name in _DERIVED}}


_DERIVED = (
    "gas",
    "income_before_overheads",
    "gas_share_of_income",
    "operator_net",
    "methodologist_net",
    "comp_left_to_holders",
    "holders_gas_per_token",
)


@dataclass(frozen=True, slots=True)
class ScenarioResult:
    arrangement: Arrangement
    whole: ScenarioFigures
    months: tuple[tuple[str, ScenarioFigures], ...]  # calendar order, the months the ledger has entries in

    def as_json(self) -> dict:
        split = self.arrangement.split
        return {
            "scenario": str(self.arrangement),
            "split": {"operator": float(split.operator), "methodologist": float(split.methodologist)},
            "gas": str(self.arrangement.gas),
            "totals": self.whole.as_json(),
            "months": [{"month": month, **figures.as_json()} for month, figures in self.months],
        }


def scenario_parties(figures: ScenarioFigures) -> tuple[PartyLine, ...]:
    """Every dollar of the period on one row, as `totals.parties` has the actual: the holders take the COMP and
    bear the gas it paid."""
    return (
        PartyLine("operator", figures.operator_revenue, figures.operator_gas),
        PartyLine("methodologist", figures.methodologist_revenue, figures.methodologist_gas),
        PartyLine("holders", figures.comp_claimed, figures.holders_gas + figures.comp_for_gas),
    )


def recompute(ledger: Ledger, arrangement: Arrangement) -> ScenarioResult:
    months: dict[str, _Sums] = {}
    comp = _CompPot()
    for entry in ledger.entries:
        sums = months.setdefault(month_of(entry.timestamp), _Sums())
        if entry.kind in REVENUE_KINDS and entry.party is not Party.PROTOCOL:
            sums.revenue.append(entry.usd)
        elif entry.kind is EntryKind.COMP_CLAIMED:
            sums.comp.append(entry.usd)
            sums.comp_for_gas.append(comp.claimed(entry.usd) if arrangement.gas is GasBearer.COMP else 0.0)
        elif entry.kind is EntryKind.GAS:
            sums.gas.append(entry.usd)
            sums.comp_for_gas.append(comp.gas(entry.usd) if arrangement.gas is GasBearer.COMP else 0.0)
    by_month = tuple((month, sums.figures(arrangement, ledger.supply)) for month, sums in sorted(months.items()))
    whole = _added((figures for _, figures in by_month), ledger.supply)
    return ScenarioResult(arrangement, whole, by_month)


class _CompPot:
    """COMP pays the gas first: COMP claimed before gas waits in a pot, gas paid before COMP is advanced by the
    operator and paid back by the next claims. Returns the USD of gas COMP pays at each step."""

    def __init__(self) -> None:
        self.pot = 0.0
        self.advanced = 0.0

    def claimed(self, usd: float) -> float:
        paid_back = min(usd, self.advanced)
        self.advanced -= paid_back
        self.pot += usd - paid_back
        return paid_back

    def gas(self, usd: float) -> float:
        from_pot = min(usd, self.pot)
        self.pot -= from_pot
        self.advanced += usd - from_pot
        return from_pot


@dataclass
class _Sums:
    revenue: list[float] = field(default_factory=list)
    gas: list[float] = field(default_factory=list)
    comp: list[float] = field(default_factory=list)
    comp_for_gas: list[float] = field(default_factory=list)

    def figures(self, arrangement: Arrangement, supply: float | None) -> ScenarioFigures:
        revenue, gas, comp_for_gas = math.fsum(self.revenue), math.fsum(self.gas), math.fsum(self.comp_for_gas)
        operator_revenue = revenue * arrangement.split.operator_share
        charged = gas - comp_for_gas
        bearer = arrangement.gas
        return ScenarioFigures(
            revenue=revenue,
            operator_revenue=operator_revenue,
            methodologist_revenue=revenue - operator_revenue,
            operator_gas=charged if bearer in (GasBearer.OPERATOR, GasBearer.COMP) else 0.0,
            methodologist_gas=charged if bearer is GasBearer.METHODOLOGIST else 0.0,
            holders_gas=charged if bearer is GasBearer.HOLDERS else 0.0,
            comp_claimed=math.fsum(self.comp),
            comp_for_gas=comp_for_gas,
            supply=supply,
        )


def _added(periods: Iterable[ScenarioFigures], supply: float | None) -> ScenarioFigures:
    listed = list(periods)
    summed = (column.name for column in fields(ScenarioFigures) if column.name != "supply")
    return ScenarioFigures(**{name: math.fsum(getattr(p, name) for p in listed) for name in summed}, supply=supply)
