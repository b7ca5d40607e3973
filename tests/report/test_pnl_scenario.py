"""`--scenario` parsing, one line per bad key or value, and the history recomputed under another arrangement."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indexops.errors import UsageError
from indexops.report.pnl.ledger import EntryKind, Party
from indexops.report.pnl.scenario import (
    Arrangement,
    GasBearer,
    Scenario,
    ScenarioError,
    Split,
    arrangement_for,
    parse_scenario,
    recompute,
)
from indexops.report.pnl.totals import totals_of
from tests.report.pnl_ledgers import entry, ledger, ledgers


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)


def test_the_issue_s_scenarios_parse():
    assert parse_scenario("split=85/15,gas=holders") == Scenario(Split(Decimal(85), Decimal(15)), GasBearer.HOLDERS)
    assert parse_scenario(" split = 76.25/23.75 ") == Scenario(Split(Decimal("76.25"), Decimal("23.75")), None)
    for bearer in ("operator", "methodologist", "holders", "comp"):
        assert parse_scenario(f"gas={bearer}") == Scenario(None, GasBearer(bearer))
    assert str(Split(Decimal("76.250"), Decimal("23.750"))) == "76.25/23.75"
    assert str(Split(Decimal(60), Decimal(40))) == "60/40"
    assert str(parse_scenario("split=33.333/66.667").split) == "33.333/66.667"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("fee=85/15", '--scenario: unknown key "fee" (keys: split, gas)'),
        ("split=85/15,who=me", '--scenario: unknown key "who" (keys: split, gas)'),
        ("split=85/20", "--scenario: split=85/20 adds up to 105, not 100"),
        ("split=33.3/66.6", "--scenario: split=33.3/66.6 adds up to 99.9, not 100"),
        ("split=33.333/66.666", "--scenario: split=33.333/66.666 adds up to 99.999, not 100"),
        ("split=85", "--scenario: split=85: give the operator's and the methodologist's percent, e.g. split=85/15"),
        ("split=-5/105", "--scenario: split=-5/105: give the operator's and the methodologist's percent, e.g. "
                         "split=85/15"),
        ("split=nan/nan", "--scenario: split=nan/nan: give the operator's and the methodologist's percent, e.g. "
                          "split=85/15"),
        ("gas=nobody", "--scenario: gas=nobody: not one of operator, methodologist, holders, comp"),
        ("gas=", "--scenario: gas=: not one of operator, methodologist, holders, comp"),
        ("holders", '--scenario: "holders" is not KEY=VALUE (keys: split, gas)'),
        ("gas=comp,gas=holders", "--scenario: gas is given twice"),
        ("  ", "--scenario: empty: give split=OP/METH and/or gas=operator|methodologist|holders|comp"),
    ],
)  # fmt: skip
def test_a_bad_scenario_is_one_usage_line_naming_it(text, message):
    with pytest.raises(ScenarioError) as raised:
        parse_scenario(text)
    assert isinstance(raised.value, UsageError) and raised.value.exit_code == 2
    assert str(raised.value) == message and "\n" not in message


@settings(max_examples=200, deadline=None)
@given(st.decimals(0, 100, places=2), st.decimals(0, 100, places=2))
def test_a_split_parses_exactly_when_it_adds_up_to_100(operator, methodologist):
    text = f"split={operator}/{methodologist}"
    if operator + methodologist == 100:
        assert parse_scenario(text).split == Split(operator, methodologist)
    else:
        with pytest.raises(ScenarioError, match="adds up to"):
            parse_scenario(text)


def test_a_split_left_out_is_the_history_s_and_gas_the_operator_s():
    history = ledger(entry(EntryKind.DISTRIBUTION, 60.0, party=Party.OPERATOR),
                     entry(EntryKind.DISTRIBUTION, 40.0, party=Party.METHODOLOGIST))  # fmt: skip
    filled = arrangement_for(Scenario(), totals_of(history).whole)
    assert filled == Arrangement(Split.of_operator(60), GasBearer.OPERATOR)
    with pytest.raises(ScenarioError, match="the history distributed nothing"):
        arrangement_for(Scenario(gas=GasBearer.HOLDERS), totals_of(ledger()).whole)


def _history():
    return ledger(
        entry(EntryKind.STREAMING_FEE, 1000.0, "2021-06-05"),
        entry(EntryKind.GAS, 100.0, "2021-06-06", Party.KEEPER),
        entry(EntryKind.COMP_CLAIMED, 30.0, "2021-06-07"),
        entry(EntryKind.GAS, 50.0, "2021-07-01", Party.OPERATOR),
        entry(EntryKind.COMP_CLAIMED, 200.0, "2021-07-02"),
        entry(EntryKind.GAS, 40.0, "2021-07-03", Party.METHODOLOGIST),
        entry(EntryKind.STREAMING_FEE, 500.0, "2021-07-04"),
        entry(EntryKind.STREAMING_FEE, 9.0, "2021-07-04", Party.PROTOCOL),
        supply=1000.0,
    )


def test_each_bearer_takes_all_the_gas():
    split = Split.of_operator(80)
    operator = recompute(_history(), Arrangement(split, GasBearer.OPERATOR)).whole
    assert (operator.revenue, operator.operator_revenue, operator.methodologist_revenue) == (1500, 1200, 300)
    assert (operator.operator_gas, operator.operator_net, operator.methodologist_net) == (190, 1010, 300)
    methodologist = recompute(_history(), Arrangement(split, GasBearer.METHODOLOGIST)).whole
    assert (methodologist.operator_net, methodologist.methodologist_net) == (1200, 110)
    holders = recompute(_history(), Arrangement(split, GasBearer.HOLDERS)).whole
    assert (holders.operator_net, holders.methodologist_net, holders.holders_gas) == (1200, 300, 190)
    assert holders.holders_gas_per_token == 0.19 and operator.holders_gas_per_token == 0


def test_comp_pays_the_gas_first_and_pays_back_what_the_operator_advanced():
    result = recompute(_history(), Arrangement(Split.of_operator(80), GasBearer.COMP))
    (june, in_june), (july, in_july) = result.months
    assert (june, july) == ("2021-06", "2021-07")
    # June: 100 of gas, then 30 of COMP pays back 30 of it; the operator is left with 70
    assert (in_june.comp_for_gas, in_june.operator_gas, in_june.comp_left_to_holders) == (30, 70, 0)
    # July: 50 of gas advanced, 200 of COMP pays back June's 70 and July's 50, the 80 left pays the last 40
    assert (in_july.comp_for_gas, in_july.operator_gas, in_july.comp_left_to_holders) == (160, -70, 40)
    assert (result.whole.comp_for_gas, result.whole.operator_gas, result.whole.comp_left_to_holders) == (190, 0, 40)


@settings(max_examples=300, deadline=None)
@given(ledgers, st.decimals(0, 100, places=2), st.sampled_from(list(GasBearer)))
def test_the_recomputed_history_keeps_every_dollar(history, operator, bearer):
    result = recompute(history, Arrangement(Split.of_operator(operator), bearer))
    actual = totals_of(history)
    assert [month for month, _ in result.months] == [m.month for m in actual.months]
    for figures, truth in [(result.whole, actual.whole)] + [(f, m.figures) for (_, f), m in zip(result.months,
                                                                                                actual.months)]:  # fmt: skip
        assert close(figures.revenue, truth.revenue) and close(figures.gas, truth.gas)
        assert close(figures.comp_claimed, truth.comp_claimed)
        assert close(figures.operator_revenue + figures.methodologist_revenue, figures.revenue)
        assert close(figures.operator_revenue, figures.revenue * float(operator) / 100)
        assert close(figures.operator_net + figures.methodologist_net + figures.gas,
                     figures.revenue + figures.holders_gas + figures.comp_for_gas)  # fmt: skip
    charged = {GasBearer.OPERATOR: result.whole.operator_gas, GasBearer.METHODOLOGIST: result.whole.methodologist_gas,
               GasBearer.HOLDERS: result.whole.holders_gas,
               GasBearer.COMP: result.whole.operator_gas + result.whole.comp_for_gas}  # fmt: skip
    assert close(charged[bearer], actual.whole.gas)
    if bearer is GasBearer.COMP:
        assert close(result.whole.comp_for_gas, min(actual.whole.comp_claimed, actual.whole.gas))
        assert result.whole.operator_gas >= -1e-6 and result.whole.comp_left_to_holders >= -1e-6
    else:
        assert result.whole.comp_for_gas == 0
