"""Library linking: writing deployed libraries' addresses into creation bytecode.

Solidity leaves a 40-character placeholder `__$<34 hex>$__` wherever a contract calls an external
library function; the 34 hex digits are the start of keccak256("<source path>:<library name>").
An artifact's `linkReferences` lists, per source and library, every byte offset of a placeholder
in the creation bytecode. Pure code: no chain, no files.
"""

from __future__ import annotations

from dataclasses import dataclass

from eth_utils import keccak

from indexops.errors import SandboxError

ADDRESS_BYTES = 20


@dataclass(frozen=True)
class Library:
    """A library as the compiler names it: its source path and its name."""

    source: str
    name: str

    @property
    def qualified_name(self) -> str:
        return f"{self.source}:{self.name}"


def placeholder(library: Library) -> str:
    """The 40 characters the compiler writes where `library`'s address goes."""
    return "__$" + keccak(text=library.qualified_name).hex()[:34] + "$__"


def libraries_of(link_references: dict) -> list[Library]:
    """Every library an artifact's `linkReferences` names, in the artifact's order."""
    return [Library(source, name) for source, by_name in link_references.items() for name in by_name]


def link(bytecode: str, link_references: dict, addresses: dict[Library, str]) -> str:
    """`bytecode` (0x-prefixed hex) with each library's address written at every offset listed.

    Refuses an offset that is out of range, a reference whose length is not an address's, and a
    missing address; a placeholder left anywhere afterwards means the references were incomplete.
    """
    body = bytecode[2:] if bytecode.startswith("0x") else bytecode
    characters = list(body)
    for library in libraries_of(link_references):
        address = addresses.get(library)
        if address is None:
            raise SandboxError(f"no address to link {library.qualified_name} with")
        digits = address[2:].lower() if address.startswith("0x") else address.lower()
        if len(digits) != 2 * ADDRESS_BYTES:
            raise SandboxError(f"cannot link {library.qualified_name}: {address!r} is not an address")
        for reference in link_references[library.source][library.name]:
            start, length = reference["start"], reference["length"]
            if length != ADDRESS_BYTES or start < 0 or 2 * (start + length) > len(characters):
                raise SandboxError(f"bad link reference for {library.qualified_name}: start {start}, length {length}")
            characters[2 * start : 2 * (start + length)] = digits
    linked = "".join(characters)
    if "__$" in linked:
        raise SandboxError("bytecode still has a library placeholder after linking: its linkReferences are incomplete")
    return "0x" + linked
