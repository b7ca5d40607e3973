"""Canonical JSON and the int rule: the bytes the content hash covers."""

from __future__ import annotations

import hashlib
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indexops.plans import MAX_SAFE_INT, canonical_json, content_hash, seal
from indexops.plans.canonical import decode_int_text, encode_int


def test_the_int_rule_at_its_bound():
    assert MAX_SAFE_INT == 2**53 - 1 == 9007199254740991
    assert encode_int(MAX_SAFE_INT) == MAX_SAFE_INT and encode_int(-MAX_SAFE_INT) == -MAX_SAFE_INT
    assert encode_int(2**53) == "9007199254740992" and encode_int(-(2**53)) == "-9007199254740992"
    assert encode_int(0) == 0
    assert decode_int_text("9007199254740992") == 2**53
    not_big_ints = ["9007199254740991", "09007199254740992", "+9007199254740992", "1e20", "12", "", "-0"]
    not_big_ints.append(" 9007199254740992")
    for text in not_big_ints:
        assert decode_int_text(text) is None, text


@given(st.integers(min_value=-(2**255), max_value=2**256 - 1))
@settings(max_examples=300, deadline=None)
def test_every_int_survives_any_json_reader(number):
    token = encode_int(number)
    if isinstance(token, int):
        assert float(token) == token and abs(token) <= MAX_SAFE_INT  # a double holds it exactly
    else:
        assert decode_int_text(token) == number and str(number) == token


def test_canonical_json_is_sorted_compact_utf8_and_applies_the_rule_everywhere():
    value = {"b": [1, 2**64, {"z": -(2**70), "a": 0.5}], "a": "→ WETH", "c": None, "d": True}
    assert canonical_json(value) == (
        '{"a":"→ WETH","b":[1,"18446744073709551616",{"a":0.5,"z":"-1180591620717411303424"}],"c":null,"d":true}'
    ).encode()
    assert canonical_json({"x": (1, 2)}) == canonical_json({"x": [1, 2]})


@pytest.mark.parametrize("bad", [float("inf"), float("nan"), b"\x01", {1: "x"}, {1, 2}])
def test_values_without_one_json_form_are_refused(bad):
    with pytest.raises(ValueError):
        canonical_json({"x": bad})


def test_content_hash_is_sha256_of_the_canonical_json_of_all_but_itself(samples):
    plan = seal(samples.plan_fields())
    fields = plan.model_dump()
    del fields["content_hash"]
    assert plan.content_hash == "0x" + hashlib.sha256(canonical_json(fields)).hexdigest()
    document = json.loads(canonical_json(plan.model_dump()))
    assert content_hash(document) == plan.content_hash  # from the file's tree, big ints as strings
    assert content_hash(plan.model_dump() | {"content_hash": "0x" + "00" * 32}) == plan.content_hash
    with pytest.raises(TypeError):
        content_hash(42)
