"""Plan files: written byte for byte the same, loaded exactly, or refused in one line."""

from __future__ import annotations

import copy
import json
import os
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indexops.errors import UsageError
from indexops.plans import (
    MAX_SAFE_INT,
    PlanFileError,
    PlanFileMalformed,
    PlanFileMissing,
    PlanFileNotJson,
    PlanFileUnreadable,
    PlanHashMismatch,
    PlanNameUnsafe,
    PlanNotCanonical,
    PlanSchemaTooNew,
    PlanSchemaUnknown,
    PlanWriteFailed,
    UnsealedPlan,
    content_hash,
    default_plan_path,
    load_plan,
    render_plan,
    seal,
    write_plan,
)


@pytest.fixture
def written(samples, tmp_path):
    plan = seal(samples.plan_fields())
    return plan, write_plan(plan, tmp_path / "plans" / "dpi-mainnet-19876543.json")


def refusal(path, kind=PlanFileError) -> str:
    with pytest.raises(kind) as caught:
        load_plan(path)
    message = str(caught.value)
    assert "\n" not in message and caught.value.exit_code == 2
    return message


def edited_message(path) -> str:
    return (
        f"plan file {path} does not match its content hash: it was edited after it was written; "
        "re-run `indexops plan`"
    )


# ---- round trip and byte identity -------------------------------------------------------


def test_write_then_load_gives_the_same_plan(written):
    plan, path = written
    assert path.read_bytes() == render_plan(plan)
    loaded = load_plan(path)
    assert loaded == plan and loaded.content_hash == plan.content_hash
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp file left behind


def test_the_file_follows_the_int_rule(written):
    plan, path = written
    text = path.read_text()
    assert text.endswith("}\n") and text.startswith('{\n  "baseline": {')
    document = json.loads(text)
    assert document["chain_id"] == 1 and document["snapshot"]["block_number"] == 19_876_543
    assert document["steps"][1]["expected"]["component_amount"] == "1234567890123456789012"
    assert document["steps"][1]["args"]["_ethQuantityLimit"] == "700000000000000000"
    assert document["steps"][0]["args"]["_targetUnits"] == ["2000000000000000000", "35000000000000000000"]
    assert document["totals"]["gas_price_wei"] == 12_000_000_000  # below 2**53: a number
    assert plan.steps[1].expected["component_amount"] == 1_234_567_890_123_456_789_012


def test_reformatting_without_changing_a_value_still_loads(written):
    plan, path = written
    path.write_text(json.dumps(json.loads(path.read_text()), separators=(",", ":")))
    assert load_plan(path) == plan


def test_writing_replaces_an_old_file_and_creates_folders(samples, tmp_path):
    path = tmp_path / "a" / "b" / "plan.json"
    write_plan(seal(samples.plan_fields(product="mvi")), path)
    plan = seal(samples.plan_fields())
    assert write_plan(plan, str(path)) == path
    assert load_plan(path) == plan and os.stat(path).st_mode & 0o777 == 0o644


amounts = st.integers(min_value=0, max_value=2**256 - 1) | st.integers(min_value=2**53 - 2, max_value=2**53 + 2)
words = st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Zl", "Zp", "Cs")), min_size=1, max_size=12)


@st.composite
def random_steps(draw, samples):
    count = draw(st.integers(min_value=0, max_value=6))
    steps = []
    for index in range(count):
        chunks = draw(st.integers(1, 5))
        limit = draw(amounts)
        step = samples.trade_step(
            index,
            draw(st.sampled_from(["AAVE", "UNI", "MKR", "wstETH"])),
            samples.AAVE,
            draw(st.sampled_from(["sell", "buy"])),
            draw(st.integers(1, chunks)),
            chunks,
            limit,
            value=draw(amounts),
            expected={"component_amount": draw(amounts), "weth_amount": draw(amounts)},
            limits={"eth_quantity_limit": limit, "min_receive": draw(amounts)},
            gas_estimate=draw(st.integers(0, 2**64 + 5)),
            description=draw(words).strip() or "trade",
        )
        extra = draw(st.dictionaries(st.text("abcxyz_", min_size=1, max_size=5), amounts | words, max_size=3))
        step["args"] = {**extra, **step["args"]}
        steps.append(step)
    return steps


def shuffled(mapping: dict, seed: int) -> dict:
    items = list(mapping.items())
    random.Random(seed).shuffle(items)
    return {key: shuffled(value, seed) if isinstance(value, dict) else value for key, value in items}


@given(data=st.data(), unit=st.integers(0, 2**255 - 1), weight=st.floats(0, 1), seed=st.integers(0, 2**16))
@settings(max_examples=60, deadline=None)
def test_identical_plans_give_byte_identical_files(samples, tmp_path_factory, data, unit, weight, seed):
    steps = data.draw(random_steps(samples))
    fields = samples.plan_fields(steps=steps)
    fields["targets"][0] |= {"current_unit": unit, "current_weight": weight}
    again = shuffled(copy.deepcopy(fields), seed)
    again["steps"] = [shuffled(step, seed + 1) for step in again["steps"]]
    first, second = seal(fields), seal(again)
    assert first == second and first.content_hash == second.content_hash
    folder = tmp_path_factory.mktemp("identical")
    one, two = write_plan(first, folder / "one.json"), write_plan(second, folder / "two.json")
    assert one.read_bytes() == two.read_bytes()
    loaded = load_plan(two)
    assert loaded == first and render_plan(loaded) == one.read_bytes()
    for token in _all_ints_in(json.loads(one.read_text())):
        assert isinstance(token, str) or abs(token) <= MAX_SAFE_INT


def _all_ints_in(tree):
    if isinstance(tree, dict):
        for value in tree.values():
            yield from _all_ints_in(value)
    elif isinstance(tree, list):
        for value in tree:
            yield from _all_ints_in(value)
    elif isinstance(tree, int) and not isinstance(tree, bool):
        yield tree
    elif isinstance(tree, str) and tree.lstrip("-").isdigit() and len(tree) > 15:
        yield tree


# ---- any edit is refused ---------------------------------------------------------------


def _flip_hex_digit(text: str, position: int) -> str:
    digit = text[position]
    return text[:position] + ("1" if digit != "1" else "2") + text[position + 1 :]


EDITS = {
    "a digit in calldata": lambda d: d["steps"][1].update(data=_flip_hex_digit(d["steps"][1]["data"], 80)),
    "an expected amount": lambda d: d["steps"][2]["expected"].update(weth_amount="9876543210987654322"),
    "a limit": lambda d: d["steps"][1]["limits"].update(eth_quantity_limit="700000000000000001"),
    "a call argument": lambda d: d["steps"][1]["args"].update(_ethQuantityLimit="800000000000000000"),
    "a target unit": lambda d: d["targets"][1].update(target_unit="36000000000000000000"),
    "a target weight": lambda d: d["targets"][1].update(target_weight=0.23),
    "a description": lambda d: d["steps"][0].update(description="start the GIM rebalance (reviewed)"),
    "a step value": lambda d: d["steps"][2].update(value=1),
    "a cool-off": lambda d: d["steps"][1].update(cool_off_after=0),
    "the recipient": lambda d: d["steps"][2].update(to="0x7Fc66500c84A76Ad7e9c93437bFc5Ac33E2DDaE9"),
    "a gas estimate": lambda d: d["steps"][0].update(gas_estimate=150_001),
    "the state digest": lambda d: d.update(state_digest="0x" + "5e" * 32),
    "the block": lambda d: d["snapshot"].update(block_number=19_876_544),
    "the chain": lambda d: d.update(chain_id=5),
    "a total": lambda d: d["totals"].update(total_cost_usd=1.0),
    "the baseline": lambda d: d.update(baseline=None),
    "a skipped trade dropped": lambda d: d.update(skipped=[]),
    "the hash itself": lambda d: d.update(content_hash="0x" + "00" * 32),
    "calldata in upper case": lambda d: d["steps"][1].update(data=d["steps"][1]["data"].upper().replace("0X", "0x")),
}


@pytest.mark.parametrize("edit", list(EDITS), ids=list(EDITS))
def test_a_single_field_edit_fails_the_hash_check(samples, written, edit):
    _, path = written
    document = samples.read_json(path)
    EDITS[edit](document)
    samples.write_json(path, document)
    assert refusal(path, PlanHashMismatch) == edited_message(path)


def _leaves(tree, path=()):
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield from _leaves(value, (*path, key))
    elif isinstance(tree, list):
        for index, value in enumerate(tree):
            yield from _leaves(value, (*path, index))
    else:
        yield path, tree


def _other(value):
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, float):
        return value + 0.5
    if isinstance(value, str):
        if value.isdigit():
            return value[:-1] + str((int(value[-1]) + 1) % 10)
        return _flip_hex_digit(value, len(value) - 1) if value.startswith("0x") else value + "!"
    return 1


def test_no_single_value_edit_anywhere_loads(samples, written):
    _, path = written
    original = samples.read_json(path)
    results = {PlanHashMismatch: 0, PlanFileMalformed: 0}
    for leaf, value in _leaves(original):
        document = copy.deepcopy(original)
        place = document
        for key in leaf[:-1]:
            place = place[key]
        place[leaf[-1]] = _other(value)
        samples.write_json(path, document)
        with pytest.raises((PlanHashMismatch, PlanFileMalformed, PlanSchemaTooNew)) as caught:
            load_plan(path)
        results[type(caught.value)] = results.get(type(caught.value), 0) + 1
    assert sum(results.values()) > 100 and results[PlanHashMismatch] > results[PlanFileMalformed]


def test_a_tampered_plan_in_memory_is_not_written(samples, tmp_path):
    plan = seal(samples.plan_fields())
    tampered = plan.model_copy(update={"product": "mvi"})
    with pytest.raises(UnsealedPlan, match="build plans with seal"):
        write_plan(tampered, tmp_path / "plan.json")
    assert not (tmp_path / "plan.json").exists()


def test_a_hash_over_a_non_canonical_spelling_is_refused(samples, written):
    _, path = written
    document = samples.read_json(path)
    document["steps"][1]["data"] = document["steps"][1]["data"].upper().replace("0X", "0x")
    document["content_hash"] = content_hash(document)  # a hand-made "seal" over upper-case hex
    samples.write_json(path, document)
    assert refusal(path, PlanNotCanonical).startswith(f"plan file {path} is not in the form indexops writes")


# ---- files that are not plans -------------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "kind"),
    [(2, PlanSchemaTooNew), (17, PlanSchemaTooNew)] + [(v, PlanSchemaUnknown) for v in (0, -1, "1", True, None)],
)
def test_wrong_schema_version(samples, written, version, kind):
    _, path = written
    samples.write_json(path, samples.read_json(path) | {"schema_version": version})
    message = refusal(path, kind)
    if kind is PlanSchemaTooNew:
        assert message == (
            f"plan file {path} was written by a newer indexops (schema {version}); this version reads schema 1"
        )
    else:
        assert message == (
            f"plan file {path} has schema_version {version!r}, which no indexops writes; this version reads schema 1"
        )


def test_a_newer_schema_is_named_before_its_unknown_shape(samples, written):
    _, path = written
    samples.write_json(path, {"schema_version": 2, "plan": {"anything": "new"}})
    assert refusal(path, PlanSchemaTooNew).endswith("(schema 2); this version reads schema 1")


def test_missing_file(tmp_path):
    path = tmp_path / "nope.json"
    assert refusal(path, PlanFileMissing) == f"plan file {path} does not exist; make one with `indexops plan`"


def test_a_folder_is_not_a_plan(tmp_path):
    assert refusal(tmp_path, PlanFileUnreadable) == f"plan file {tmp_path} cannot be read: it is a folder"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (b'{"schema_version": 1,', "line 1, column 22: Expecting property name enclosed in double quotes"),
        (b"", "line 1, column 1: Expecting value"),
        (b'{"a": 1, "a": 2}', "the key 'a' appears twice in one object"),
        (b'{"a": NaN}', "NaN is not a number a plan can hold"),
        (b'{"a": 1e999}', "1e999 is too large for a number a plan can hold"),
        (b'{"a": "\xff"}', "not UTF-8 text at byte 7"),
    ],
)
def test_malformed_json(tmp_path, text, reason):
    path = tmp_path / "plan.json"
    path.write_bytes(text)
    assert refusal(path, PlanFileNotJson) == f"plan file {path} is not valid JSON ({reason})"


def test_a_truncated_file_is_not_json(written):
    _, path = written
    path.write_bytes(path.read_bytes()[:-40])
    assert refusal(path, PlanFileNotJson).startswith(f"plan file {path} is not valid JSON (line ")


@pytest.mark.parametrize(
    ("mutate", "problem"),
    [
        (lambda d: d["steps"][1].pop("gas_estimate"), "steps[1].gas_estimate: missing"),
        (lambda d: d.pop("totals"), "totals: missing"),
        (lambda d: d.pop("content_hash"), "content_hash: missing"),
        (lambda d: d["snapshot"].pop("block_hash"), "snapshot.block_hash: missing"),
        (lambda d: d["steps"][0].update(gas_limit=1), "steps[0].gas_limit: unknown key (schema 1 has no such field)"),
        (
            lambda d: d.update(set_token=d["set_token"].lower()),
            "set_token: address is not checksummed: 0x1494ca1f11d487c2bbe4543e90080aeba4ba3c2b "
            "(expected 0x1494CA1F11D487c2bBe4543E90080AeBa4BA3C2b)",
        ),
        (
            lambda d: d["steps"][2].update(to=d["steps"][2]["to"].lower()),
            "steps[2].to: address is not checksummed: 0x0f1e2d3c4b5a69788796a5b4c3d2e1f001122334 "
            "(expected 0x0f1e2d3c4b5a69788796A5b4C3D2E1F001122334)",
        ),
        (
            lambda d: d["steps"][1]["expected"].update(weth_amount=9_876_543_210_987_654_321),
            'steps[1].expected: weth_amount: 9876543210987654321 is beyond 9007199254740991, so a plan file '
            'writes it as the string "9876543210987654321"',
        ),
        (
            lambda d: d["steps"][1]["args"].update(_ethQuantityLimit=700_000_000_000_000_000),
            'steps[1].args: _ethQuantityLimit: 700000000000000000 is beyond 9007199254740991, so a plan file '
            'writes it as the string "700000000000000000"',
        ),
        (
            lambda d: d["steps"][0].update(gas_estimate="150000"),
            "steps[0].gas_estimate: '150000' is not an integer as plan files write them "
            "(a JSON number up to 9007199254740991, a string of digits only beyond that)",
        ),
        (
            lambda d: d["steps"][0].update(gas_estimate=150000.0),
            "steps[0].gas_estimate: expected an integer, got a decimal number",
        ),
        (
            lambda d: d["totals"].update(eth_usd=3012),
            "totals.eth_usd: expected a decimal number (as 3012.0), got the integer 3012",
        ),
        (lambda d: d["steps"].reverse(), "steps[0] has index 2; step indexes count up from 0 with no gaps"),
        (lambda d: d.update(steps={}), "steps: Input should be a valid tuple"),
    ],
)
def test_shape_errors_name_the_key_path(samples, written, mutate, problem):
    _, path = written
    document = samples.read_json(path)
    mutate(document)
    samples.write_json(path, document)
    assert refusal(path, PlanFileMalformed) == f"plan file {path}: {problem}"


def test_several_shape_errors_are_counted_on_one_line(samples, written):
    _, path = written
    document = samples.read_json(path)
    for step in document["steps"]:
        del step["gas_estimate"]
    samples.write_json(path, document)
    assert refusal(path) == f"plan file {path}: steps[0].gas_estimate: missing (and 2 more problems)"


@pytest.mark.parametrize(("document", "kind"), [([], "a list"), ("plan", "text"), (1, "a number"), (None, "null")])
def test_the_top_level_must_be_an_object(samples, tmp_path, document, kind):
    path = tmp_path / "plan.json"
    samples.write_json(path, document)
    assert refusal(path) == f"plan file {path}: the top level is {kind}; a plan is a JSON object"


# ---- writing and naming -----------------------------------------------------------------


def test_a_write_that_cannot_happen_says_why(samples, tmp_path):
    blocker = tmp_path / "plans"
    blocker.write_text("a file where the folder should be")
    with pytest.raises(PlanWriteFailed) as caught:
        write_plan(seal(samples.plan_fields()), blocker / "plan.json")
    assert str(caught.value).startswith(f"cannot write plan file {blocker / 'plan.json'}: ")
    with pytest.raises(PlanWriteFailed):
        write_plan(seal(samples.plan_fields()), tmp_path)  # a folder is in the way
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plans"]


def test_default_plan_path(tmp_path):
    assert default_plan_path(tmp_path, "eth2x-fli", "mainnet", 19_876_543) == (
        tmp_path / "plans" / "eth2x-fli-mainnet-19876543.json"
    )
    assert default_plan_path(str(tmp_path), "dpi", "sandbox", 0).name == "dpi-sandbox-0.json"


@pytest.mark.parametrize(
    ("product", "network", "block"),
    [
        ("../dpi", "mainnet", 1),
        ("dpi", "main net", 1),
        ("", "mainnet", 1),
        ("dpi", ".hidden", 1),
        ("dpi/x", "mainnet", 1),
        ("dpi", "mainnet", -1),
    ],
)
def test_names_that_would_escape_or_hide_the_file_are_refused(tmp_path, product, network, block):
    with pytest.raises(PlanNameUnsafe) as caught:
        default_plan_path(tmp_path, product, network, block)
    assert isinstance(caught.value, UsageError) and "\n" not in str(caught.value)
