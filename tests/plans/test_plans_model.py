"""The plan model: what a valid plan is, and the one-line reason when it is not."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from indexops.errors import IndexopsError, UsageError
from indexops.plans import SCHEMA_VERSION, InvalidPlan, Plan, content_hash, seal
from indexops.plans.fields import selector


def problem(fields: dict) -> str:
    with pytest.raises(InvalidPlan) as caught:
        seal(fields)
    message = str(caught.value)
    assert "\n" not in message and message.startswith("the plan is not valid: ")
    return message.removeprefix("the plan is not valid: ")


def with_step(samples, position: int, **changes) -> dict:
    fields = samples.plan_fields()
    fields["steps"][position] = fields["steps"][position] | changes
    return fields


def test_seal_gives_a_frozen_plan_whose_hash_is_its_content(samples):
    plan = seal(samples.plan_fields())
    assert plan.schema_version == SCHEMA_VERSION == 1
    assert plan.content_hash == content_hash(plan) == content_hash(plan.model_dump())
    assert isinstance(plan.steps, tuple) and plan.steps[1].chunk == 1 and plan.steps[0].value == 0
    with pytest.raises(ValidationError):
        plan.product = "mvi"
    assert hash(plan) == hash(plan.content_hash)


def test_seal_replaces_a_given_hash_and_fills_the_schema_version(samples):
    fields = samples.plan_fields(content_hash="0x" + "11" * 32)
    del fields["schema_version"]
    assert seal(fields) == seal(samples.plan_fields())


def test_a_built_plan_must_carry_its_own_hash(samples):
    plan = seal(samples.plan_fields())
    assert Plan.model_validate(plan.model_dump()) == plan
    with pytest.raises(ValidationError, match="is not the hash of the plan"):
        Plan.model_validate(plan.model_dump() | {"product": "mvi"})


def test_errors_are_for_people():
    assert issubclass(InvalidPlan, IndexopsError) and not issubclass(InvalidPlan, UsageError)


@pytest.mark.parametrize(
    ("where", "value", "expected"),
    [
        ("set_token", "0x1494ca1f11d487c2bbe4543e90080aeba4ba3c2b", "set_token: address is not checksummed: "
         "0x1494ca1f11d487c2bbe4543e90080aeba4ba3c2b (expected 0x1494CA1F11D487c2bBe4543E90080AeBa4BA3C2b)"),
        ("set_token", "0x1494CA1F11D487c2bBe4543E90080AeBa4BA3C2", "set_token: not an address"),
        ("state_digest", "0x1234", "state_digest: expected 0x followed by 64 hex digits"),
        ("chain_id", 0, "chain_id: 0 is out of range"),
        ("chain_id", "1", "chain_id: expected an integer, got a string '1'"),
        ("chain_id", True, "chain_id: expected an integer, got true/false"),
        ("chain_id", 1.0, "chain_id: expected an integer, got a decimal number"),
        ("route", "safe", "route: Input should be 'base-manager', 'delegated', 'direct' or 'fli'"),
        ("created_at", "2024-05-01T12:00:00", "created_at: '2024-05-01T12:00:00' is not in UTC"),
        ("created_at", "2024-05-01T14:00:00+02:00", "created_at: '2024-05-01T14:00:00+02:00' is not in UTC"),
        ("created_at", "yesterday", "created_at: 'yesterday' is not an ISO-8601 time"),
        ("product", "", "product: must not be empty"),
        ("schema_version", 2, "schema_version: expected 1, got 2"),
        ("baseline", {}, "baseline.trades: missing (and 11 more problems)"),
        ("surprise", 1, "surprise: unknown key (schema 1 has no such field)"),
    ],
)
def test_plan_fields_are_checked(samples, where, value, expected):
    assert problem(samples.plan_fields(**{where: value})).startswith(expected)


def test_non_checksummed_addresses_are_refused_everywhere(samples):
    lower = samples.AAVE.lower()
    fields = samples.plan_fields()
    fields["targets"][0]["address"] = lower
    assert problem(fields).startswith(f"targets[0].address: address is not checksummed: {lower} (expected")
    assert problem(with_step(samples, 2, to=samples.GIM.lower())).startswith("steps[2].to: address is not checksummed")


def test_step_indexes_count_up_from_zero(samples):
    fields = samples.plan_fields()
    fields["steps"][2]["index"] = 3
    assert problem(fields) == "steps[2] has index 3; step indexes count up from 0 with no gaps"
    fields["steps"] = [fields["steps"][1] | {"index": 1}]
    assert problem(fields) == "steps[0] has index 1; step indexes count up from 0 with no gaps"
    assert seal(samples.plan_fields(steps=[])).steps == ()


def test_chunks(samples):
    assert problem(with_step(samples, 1, chunk=3, chunks=2)) == "steps[1]: chunk 3 is past the last chunk (2)"
    assert problem(with_step(samples, 1, chunks=None)) == "steps[1]: chunk and chunks go together: give both or neither"
    assert problem(with_step(samples, 1, chunk=0)).startswith("steps[1].chunk: 0 is out of range (1 to")


def test_calldata_must_be_hex_and_start_with_the_functions_selector(samples):
    assert problem(with_step(samples, 1, data="0x123")).startswith("steps[1].data: expected whole bytes")
    assert problem(with_step(samples, 1, data="0xzz")).startswith("steps[1].data: expected 0x-prefixed hex")
    wrong = "trade(address,uint256,bytes)"
    assert problem(with_step(samples, 1, function=wrong)).startswith(
        f"steps[1]: data does not start with the selector of {wrong} ({selector(wrong)}); found 0x68f8c2a4"
    )
    assert problem(with_step(samples, 1, data="0x68f8")).endswith("found only 2 bytes")
    assert problem(with_step(samples, 1, function="trade")).startswith(
        "steps[1].function: expected a Solidity signature"
    )


def test_hex_is_kept_in_lower_case(samples):
    fields = samples.plan_fields()
    fields["snapshot"]["block_hash"] = "0x" + "AB" * 32
    fields["steps"][1]["data"] = fields["steps"][1]["data"].upper().replace("0X", "0x")
    plan = seal(fields)
    assert plan == seal(samples.plan_fields())


def test_descriptions_and_reasons_are_one_line(samples):
    assert problem(with_step(samples, 0, description="start\nrebalance")).startswith(
        "steps[0].description: must be one line"
    )
    fields = samples.plan_fields()
    fields["skipped"][0]["reason"] = "dust\u2028really"
    assert problem(fields).startswith("skipped[0].reason: must be one line")


def test_amounts_are_unsigned_256_bit_ints(samples):
    assert problem(with_step(samples, 1, value=-1)).startswith("steps[1].value: -1 is out of range (0 to 2**256 - 1)")
    assert problem(with_step(samples, 1, limits={"min_receive": 2**256})).startswith(
        f"steps[1].limits: min_receive: {2**256} is out of range"
    )
    assert problem(with_step(samples, 1, expected={"weth_amount": "5"})).startswith(
        "steps[1].expected: weth_amount: expected an integer, got a string"
    )
    assert seal(with_step(samples, 1, limits={"min_receive": 2**256 - 1})).steps[1].limits["min_receive"] == 2**256 - 1


def test_units_are_signed_and_decimals_fit_uint8(samples):
    fields = samples.plan_fields()
    fields["targets"][0]["current_unit"] = -(2**200)
    assert seal(fields).targets[0].current_unit == -(2**200)
    fields["targets"][0]["decimals"] = 256
    assert problem(fields).startswith("targets[0].decimals: 256 is out of range (0 to 255)")


def test_floats_are_finite_and_ints_are_accepted_for_them(samples):
    plan = seal(samples.plan_fields(totals=samples.totals(eth_usd=3000, impact_usd=-0.0)))
    assert plan.totals.eth_usd == 3000.0 and isinstance(plan.totals.eth_usd, float)
    assert str(plan.totals.impact_usd) == "0.0"
    assert problem(samples.plan_fields(totals=samples.totals(gas_usd=float("nan")))).startswith(
        "totals.gas_usd: nan is not a finite number"
    )


def test_call_arguments_are_json_safe_and_unambiguous(samples):
    nested = {"_trades": ({"amount": 2**70, "ok": True, "path": ("a", "b")},)}
    plan = seal(with_step(samples, 1, args=nested))
    assert plan.steps[1].args == {"_trades": [{"amount": 2**70, "ok": True, "path": ["a", "b"]}]}
    assert problem(with_step(samples, 1, args={"x": 1.5})).startswith(
        "steps[1].args: x: a decimal number is not a call argument"
    )
    assert problem(with_step(samples, 1, args={"x": [None]})).startswith("steps[1].args: x[0]: null is not a call")
    assert problem(with_step(samples, 1, args={"x": 2**256})).startswith("steps[1].args: x: ")
    digits = str(2**60)
    assert problem(with_step(samples, 1, args={"name": digits})) == (
        f"steps[1].args: name: the string '{digits}' would read back from the file as an integer; pass the int {digits}"
    )
    # Short digit strings stay text: the file writes small ints as numbers, so no confusion.
    assert seal(with_step(samples, 1, args={"name": "12345"})).steps[1].args["name"] == "12345"


def test_text_that_is_not_unicode_is_refused(samples):
    assert "lone surrogate" in problem(with_step(samples, 0, description="bad \ud800 text"))
