"""`contractInputsValues` read as the Transaction Builder reads them: whatever indexops accepts, the app (the
oracle in tests/txbuilder_app.py) encodes to the same bytes, and values the app would read another way, or
fail on and send as 0x, are refused."""

from __future__ import annotations

import pytest
from eth_abi import encode
from eth_utils import keccak, to_checksum_address
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexops.chain.calldata import contract_method, render_inputs_values
from indexops.safe.txbuilder_values import app_calldata
from indexops.values import InvalidArgument
from tests.safe.txbuilder_app import AppRefuses
from tests.safe.txbuilder_app import app_calldata as the_apps_calldata

ADDRESS = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"


def method(*types: str) -> dict:
    """A method with one input per type; tuple types as (a,b,...) with components named c0, c1, ..."""
    return contract_method({"name": "f", "inputs": [_input(f"v{index}", text) for index, text in enumerate(types)]})


def _input(name: str, text: str) -> dict:
    if not text.startswith("("):
        return {"name": name, "type": text, "internalType": text}
    depth, parts, current = 0, [], ""
    inner, suffix = text[1 : text.rindex(")")], text[text.rindex(")") + 1 :]
    for char in inner:
        depth += char == "("
        depth -= char == ")"
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return {"name": name, "type": "tuple" + suffix, "internalType": "struct S" + suffix,
            "components": [_input(f"c{index}", part) for index, part in enumerate(parts)]}


def expected_calldata(types, arguments) -> bytes:
    return keccak(text=f"f({','.join(types)})")[:4] + encode(list(types), list(arguments))


TYPES = ["bool", "uint8", "int16", "uint256", "address", "bytes", "bytes2", "string", "address[]", "uint256[]",
         "bool[]", "bytes[]", "string[]", "uint8[2]", "int256[][]", "(uint256,bool,address,bytes,string,uint8[],int8)",
         "(bytes32,(bool,uint16))[]"]


def value_of(abi_type: str):
    """A strategy of Python values for an ABI type."""
    if abi_type.endswith("]"):
        element, size = abi_type[: abi_type.rindex("[")], abi_type[abi_type.rindex("[") + 1 : -1]
        items = value_of(element)
        return st.lists(items, min_size=int(size), max_size=int(size)) if size else st.lists(items, max_size=3)
    if abi_type.startswith("("):
        return st.tuples(*(value_of(part["type"] if part["type"] != "tuple" else _canonical(part))
                           for part in _input("x", abi_type)["components"]))
    if abi_type == "bool":
        return st.booleans()
    if abi_type == "address":
        return st.binary(min_size=20, max_size=20).map(to_checksum_address)
    if abi_type == "string":
        return st.text(max_size=12)
    if abi_type == "bytes":
        return st.binary(max_size=40)
    if abi_type.startswith("bytes"):
        return st.binary(min_size=int(abi_type[5:]), max_size=int(abi_type[5:]))
    bits = int(abi_type.lstrip("uint") or 256)
    if abi_type.startswith("u"):
        return st.integers(min_value=0, max_value=2**bits - 1)
    return st.integers(min_value=-(2 ** (bits - 1)), max_value=2 ** (bits - 1) - 1)


def _canonical(entry: dict) -> str:
    if entry["type"].startswith("tuple"):
        return "(" + ",".join(_canonical(c) for c in entry["components"]) + ")" + entry["type"][5:]
    return entry["type"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_what_indexops_writes_the_app_encodes_to_the_exact_calldata(data):
    types = data.draw(st.lists(st.sampled_from(TYPES), min_size=1, max_size=4))
    arguments = [data.draw(value_of(abi_type)) for abi_type in types]
    shaped = method(*types)
    values = render_inputs_values(shaped, arguments)
    assert all(isinstance(value, str) for value in values.values())
    expected = expected_calldata(types, arguments)
    assert the_apps_calldata(shaped, values) == expected
    assert app_calldata(shaped, values) == expected


# Text a person could type in the app, or an editor could leave: every character the app treats specially.
PIECES = list("[]\"', \t0123456789abcdefxX-_tTrRuUeEfFlLsS\u0661") + ["0x", ADDRESS, ADDRESS.lower(), "true", "false"]
TEXT = st.lists(st.sampled_from(PIECES), max_size=12).map("".join)


def mutated(abi_type: str):
    """Rendered values of the type, with a few characters inserted, removed or replaced."""
    shaped = method(abi_type)

    def render(value):
        return render_inputs_values(shaped, [value])["v0"]

    def mutate(text_and_edits):
        text, edits = text_and_edits
        for position, insert, remove in edits:
            position %= len(text) + 1
            text = text[:position] + insert + text[position + remove :]
        return text

    edits = st.lists(st.tuples(st.integers(0, 200), st.sampled_from(["", " ", '"', "'", ",", "[", "]", "0", "x", "X", "-"]),
                               st.integers(0, 2)), max_size=3)
    return st.tuples(value_of(abi_type).map(render), edits).map(mutate)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_any_value_indexops_accepts_the_app_reads_the_same_way(data):
    abi_type = data.draw(st.sampled_from(TYPES))
    text = data.draw(st.one_of(TEXT, mutated(abi_type)))
    shaped = method(abi_type)
    try:
        ours = app_calldata(shaped, {"v0": text})
    except InvalidArgument:
        return  # refused: nothing is claimed about it
    assert the_apps_calldata(shaped, {"v0": text}) == ours, (abi_type, text)


@pytest.mark.parametrize("abi_type,text,the_app_reads", [
    ("(bool)", '["false"]', (True,)),  # any non-empty string is true to the encoder
    ("(uint256)", "[9007199254740993]", None),  # a JavaScript number loses the last digit, then overflows
    ("uint256", "12ab", 0x12AB),  # hex digits without 0x are read as hex
    ("uint256", "\u0661\u0662", None),  # Arabic-Indic digits: Python's int() would take them
    ("uint256", "1_000", None),
    ("bytes32", "0x01", b"\x01" + bytes(31)),  # right-padded
    ("bytes", "0x123", b"\x01\x23"),  # odd length padded at the front
    ("address", " " + ADDRESS, None),
    ("address", ADDRESS[2:], ADDRESS),  # without 0x
    ("uint256[]", "[ ]", None),  # one empty item, not an empty array
    ("address[]", f'["{ADDRESS[:20]} {ADDRESS[20:]}"]', [ADDRESS]),  # whitespace inside an item is dropped
    ("(uint256)", '{"c0": "5"}', (5,)),  # a tuple by component names
])
def test_values_the_app_reads_another_way_or_fails_on_are_refused(abi_type, text, the_app_reads):
    shaped = method(abi_type)
    if the_app_reads is None:
        with pytest.raises(AppRefuses):
            the_apps_calldata(shaped, {"v0": text})
    else:
        canonical = _canonical(shaped["inputs"][0])
        assert the_apps_calldata(shaped, {"v0": text}) == expected_calldata([canonical], [the_app_reads])
    with pytest.raises(InvalidArgument):
        app_calldata(shaped, {"v0": text})


def test_what_both_read_alike_is_accepted():
    cases = {
        ("bool", " TRUE "): True, ("bool", "0"): False, ("uint8", '"0x1F"'): 31, ("int16", "-0x10"): -16,
        ("uint256[]", '["1", 2]'): [1, 2], ("bool[]", '[true,"false",1]'): [True, False, True],
        ("uint8[2]", "[1,2]"): [1, 2], ("(uint256,bool)", '["5",false]'): (5, False), ("(int8)", "[-3]"): (-3,),
        ("string[]", '["a, b", "[c]"]'): ["a, b", "[c]"], ("string", " spaced "): " spaced ",
    }
    for (abi_type, text), value in cases.items():
        shaped = method(abi_type)
        expected = expected_calldata([_canonical(shaped["inputs"][0])], [value])
        assert app_calldata(shaped, {"v0": text}) == the_apps_calldata(shaped, {"v0": text}) == expected, (abi_type, text)


def test_methods_the_app_sends_no_data_for_are_refused():
    for name in ("receive", "fallback", "transfer(address,uint256)"):
        with pytest.raises(InvalidArgument, match="not a function name"):
            app_calldata({"name": name, "inputs": []}, {})
