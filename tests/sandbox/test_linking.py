"""Library linking without a chain: CompoundLeverageModule's real bytecode and its 12 placeholders, and
what the linker refuses."""

from __future__ import annotations

import pytest

from indexops.errors import SandboxError
from indexops.sandbox.artifacts import ArtifactStore
from indexops.sandbox.linking import Library, libraries_of, link, placeholder

COMPOUND = Library("contracts/protocol/integration/lib/Compound.sol", "Compound")
ADDRESS = "0x1234567890AbcdEF1234567890aBcdef12345678"


@pytest.fixture(scope="module")
def store(toolchain) -> ArtifactStore:
    return ArtifactStore(toolchain)


@pytest.fixture(scope="module")
def module(store):
    return store.get("CompoundLeverageModule")


def _offsets(artifact) -> list[int]:
    return [reference["start"] for reference in artifact.link_references[COMPOUND.source][COMPOUND.name]]


def test_the_compiler_placeholder_is_the_hash_of_the_qualified_name():
    assert COMPOUND.qualified_name == "contracts/protocol/integration/lib/Compound.sol:Compound"
    assert placeholder(COMPOUND) == "__$059b1e3c35e6526bf44b3e0b6a2a76e329$__"


def test_compound_leverage_module_has_12_placeholders_for_the_compound_library(module):
    assert module.libraries == [COMPOUND]
    offsets = _offsets(module)
    assert len(offsets) == 12 and len(set(offsets)) == 12
    body = module.bytecode[2:]
    assert all(body[2 * start:2 * start + 40] == placeholder(COMPOUND) for start in offsets)
    assert body.count("__$") == 12  # nothing else is a placeholder


def test_linking_writes_the_address_at_every_offset_and_nothing_else(module):
    linked = link(module.bytecode, module.link_references, {COMPOUND: ADDRESS})
    before, after = module.bytecode[2:], linked[2:]
    assert len(after) == len(before) and linked.startswith("0x")
    assert "__$" not in after
    offsets = _offsets(module)
    assert all(after[2 * start:2 * start + 40] == ADDRESS[2:].lower() for start in offsets)
    linked_spans = {i for start in offsets for i in range(2 * start, 2 * start + 40)}
    assert all(after[i] == before[i] for i in range(len(before)) if i not in linked_spans)
    bytes.fromhex(after)  # valid hex throughout


def test_the_library_artifact_is_found_by_its_source_path_and_links_nothing(store):
    library = store.library(COMPOUND)
    assert library.name == "Compound" and library.link_references == {}
    assert len(library.bytecode) > 2


@pytest.mark.parametrize("name", ["AaveLeverageModule", "CompoundWrapV2Adapter"])
def test_other_linked_artifacts_are_read_the_same_way(store, name):
    artifact = store.get(name)
    assert artifact.libraries, f"{name} should have link references"
    addresses = {library: ADDRESS for library in artifact.libraries}
    assert "__$" not in link(artifact.bytecode, artifact.link_references, addresses)


def test_an_artifact_without_links_is_unchanged(store):
    plain = store.get("StreamingFeeModule")
    assert plain.link_references == {} and plain.libraries == []
    assert link(plain.bytecode, plain.link_references, {}) == plain.bytecode


# ------------------------------------------------------------------ synthetic bytecode: what is refused

LIB = Library("contracts/Lib.sol", "Lib")
CODE = "0x6000" + placeholder(LIB) + "6001" + placeholder(LIB)
REFERENCES = {LIB.source: {LIB.name: [{"start": 2, "length": 20}, {"start": 24, "length": 20}]}}


def test_synthetic_bytecode_is_linked_at_both_offsets():
    assert link(CODE, REFERENCES, {LIB: ADDRESS}) == "0x6000" + ADDRESS[2:].lower() + "6001" + ADDRESS[2:].lower()
    assert libraries_of(REFERENCES) == [LIB]


def test_a_missing_library_address_is_refused():
    with pytest.raises(SandboxError, match="no address to link contracts/Lib.sol:Lib"):
        link(CODE, REFERENCES, {})


def test_a_reference_missing_from_the_list_leaves_a_placeholder_and_is_refused():
    only_first = {LIB.source: {LIB.name: [{"start": 2, "length": 20}]}}
    with pytest.raises(SandboxError, match="still has a library placeholder"):
        link(CODE, only_first, {LIB: ADDRESS})


@pytest.mark.parametrize("reference", [{"start": 2, "length": 19}, {"start": 40, "length": 20}, {"start": -1, "length": 20}])
def test_a_bad_reference_is_refused(reference):
    with pytest.raises(SandboxError, match="bad link reference"):
        link(CODE, {LIB.source: {LIB.name: [reference]}}, {LIB: ADDRESS})


def test_a_bad_address_is_refused():
    with pytest.raises(SandboxError, match="is not an address"):
        link(CODE, REFERENCES, {LIB: "0x1234"})
