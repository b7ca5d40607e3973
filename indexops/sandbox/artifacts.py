"""Compiled contracts (ABI, creation bytecode, library links) from the toolchain's npm packages."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Protocol

from indexops.errors import SandboxError
from indexops.sandbox.linking import Library, libraries_of
from indexops.sandbox.toolchain import Toolchain


@dataclass(frozen=True)
class Artifact:
    name: str
    abi: list
    bytecode: str
    link_references: dict = field(default_factory=dict)  # source -> library -> [{start, length}], as compiled

    @property
    def libraries(self) -> list[Library]:
        return libraries_of(self.link_references)


class ArtifactSource(Protocol):
    """Where a deployer finds contracts and the libraries they link."""

    toolchain: Toolchain

    def get(self, name: str) -> Artifact: ...

    def library(self, library: Library) -> Artifact: ...


class ArtifactStore:
    """Finds an artifact by contract name in the Set V2, Index Coop and Safe packages."""

    def __init__(self, toolchain: Toolchain):
        self.toolchain = toolchain

    @property
    def _artifact_dirs(self) -> list[Path]:
        """Hardhat artifact folders: `<dir>/<source path>/<contract>.json`."""
        return [
            self.toolchain.safe_contracts / "build" / "artifacts",
            self.toolchain.index_coop / "artifacts",
            self.toolchain.set_protocol_v2 / "artifacts",
        ]

    @cached_property
    def _index(self) -> dict[str, Path]:
        roots = [
            self.toolchain.set_protocol_v2 / "external" / "abi",
            self.toolchain.safe_contracts / "build" / "artifacts" / "contracts",
            self.toolchain.index_coop / "artifacts" / "contracts",
            self.toolchain.set_protocol_v2 / "artifacts" / "contracts",
        ]
        index: dict[str, Path] = {}
        for root in roots:  # later roots win: Set V2's own artifacts are the reference
            for path in sorted(root.rglob("*.json")):
                if not path.name.endswith(".dbg.json"):
                    index[path.stem] = path
        return index

    def get(self, name: str) -> Artifact:
        path = self._index.get(name)
        if path is None:
            raise SandboxError(f"no compiled artifact named {name} in the sandbox toolchain ({self.toolchain.root})")
        return _read(name, path)

    def library(self, library: Library) -> Artifact:
        """The artifact of a library an artifact links to, found by its source path first (names can repeat)."""
        for folder in reversed(self._artifact_dirs):
            path = folder / library.source / f"{library.name}.json"
            if path.is_file():
                return _read(library.name, path)
        return self.get(library.name)


def _read(name: str, path: Path) -> Artifact:
    data = json.loads(path.read_text())
    bytecode = data.get("bytecode", "")
    if isinstance(bytecode, dict):
        bytecode = bytecode.get("object", "")
    if not bytecode.startswith("0x"):
        bytecode = "0x" + bytecode
    return Artifact(name=name, abi=data["abi"], bytecode=bytecode, link_references=data.get("linkReferences") or {})
