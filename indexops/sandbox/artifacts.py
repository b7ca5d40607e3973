"""Compiled contracts (ABI and creation bytecode) from the toolchain's npm packages."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from indexops.errors import SandboxError
from indexops.sandbox.toolchain import Toolchain


@dataclass(frozen=True)
class Artifact:
    name: str
    abi: list
    bytecode: str


class ArtifactStore:
    """Finds an artifact by contract name in the Set V2, Index Coop and Safe packages."""

    def __init__(self, toolchain: Toolchain):
        self.toolchain = toolchain

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
        data = json.loads(path.read_text())
        bytecode = data.get("bytecode", "")
        if isinstance(bytecode, dict):
            bytecode = bytecode.get("object", "")
        if not bytecode.startswith("0x"):
            bytecode = "0x" + bytecode
        return Artifact(name=name, abi=data["abi"], bytecode=bytecode)
