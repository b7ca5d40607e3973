"""The sandbox toolchain: anvil and the real compiled contracts, from pinned npm packages.

Installed once into the user cache dir (or `INDEXOPS_TOOLCHAIN_DIR`). anvil from PATH is
preferred when the user has Foundry. The Set packages are fetched with `npm pack` and
unpacked, because installing them pulls a git-hosted dependency that is not needed here.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

from indexops.errors import SandboxError
from indexops.paths import user_cache_dir
from indexops.units import duration

NPM_DEPENDENCIES = {
    "@foundry-rs/anvil": "1.7.1",
    "@gnosis.pm/safe-contracts": "1.3.0",
    "solc": "0.6.10",
    "@openzeppelin/contracts": "3.4.2",
}
PACKED_PACKAGES = {
    "set-protocol-v2": ("@setprotocol/set-protocol-v2", "0.1.16"),
    "index-coop-contracts": ("@setprotocol/index-coop-contracts", "0.0.25"),
}
NPM_TIMEOUT_SECONDS = 600


@dataclass(frozen=True)
class Toolchain:
    root: Path
    anvil: Path

    @property
    def node_modules(self) -> Path:
        return self.root / "node_modules"

    @property
    def set_protocol_v2(self) -> Path:
        return self.root / "packages" / "set-protocol-v2"

    @property
    def index_coop(self) -> Path:
        return self.root / "packages" / "index-coop-contracts"

    @property
    def safe_contracts(self) -> Path:
        return self.node_modules / "@gnosis.pm" / "safe-contracts"


def toolchain_dir() -> Path:
    override = os.environ.get("INDEXOPS_TOOLCHAIN_DIR")
    return Path(override) if override else user_cache_dir() / "toolchain"


def _stamp() -> str:
    return json.dumps({"npm": NPM_DEPENDENCIES, "packed": PACKED_PACKAGES}, sort_keys=True)


def is_installed(root: Path | None = None) -> bool:
    root = root or toolchain_dir()
    stamp = root / "installed.json"
    return stamp.is_file() and stamp.read_text() == _stamp()


def load_toolchain(root: Path | None = None) -> Toolchain:
    """The installed toolchain, or a SandboxError saying how to install it."""
    root = root or toolchain_dir()
    if not is_installed(root):
        raise SandboxError(
            f"the sandbox toolchain is not installed in {root}: run `indexops sandbox up` or `make setup`"
        )
    return Toolchain(root=root, anvil=_anvil_binary(root))


def install_toolchain(root: Path | None = None) -> Toolchain:
    """Install the pinned npm packages into `root` unless they are already there."""
    root = root or toolchain_dir()
    if is_installed(root):
        return load_toolchain(root)
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        raise SandboxError("the sandbox needs Node.js and npm to install its contracts: install Node 18+ and retry")
    root.mkdir(parents=True, exist_ok=True)
    (root / "package.json").write_text(
        json.dumps({"name": "indexops-sandbox-toolchain", "private": True, "dependencies": NPM_DEPENDENCIES}, indent=2)
    )
    _run([npm, "install", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"], root)
    packs = root / "packs"
    packs.mkdir(exist_ok=True)
    for folder, (name, version) in PACKED_PACKAGES.items():
        _unpack(npm, f"{name}@{version}", packs, root / "packages" / folder)
    (root / "installed.json").write_text(_stamp())
    return load_toolchain(root)


def _unpack(npm: str, spec: str, packs: Path, destination: Path) -> None:
    output = _run([npm, "pack", spec, "--silent"], packs)
    tarball = packs / output.strip().splitlines()[-1]
    if destination.exists():
        shutil.rmtree(destination)
    destination.mkdir(parents=True)
    with tarfile.open(tarball) as archive:
        for member in archive.getmembers():
            if not member.name.startswith("package/"):
                continue
            member.name = member.name[len("package/") :]
            archive.extract(member, destination, filter="data")
    tarball.unlink()


def _run(command: list[str], cwd: Path) -> str:
    try:
        done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=NPM_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        raise SandboxError(
            f"`{' '.join(command[1:3])}` did not finish in {duration(NPM_TIMEOUT_SECONDS)}: "
            "is the npm registry reachable?"
        ) from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise SandboxError(f"`npm {' '.join(command[1:3])}` failed: {last}")
    return done.stdout


def _anvil_binary(root: Path) -> Path:
    on_path = shutil.which("anvil")
    if on_path:
        return Path(on_path)
    system = {"Linux": "linux", "Darwin": "darwin", "Windows": "win32"}.get(
        platform.system(), platform.system().lower()
    )
    machine = {"x86_64": "amd64", "AMD64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(
        platform.machine(), platform.machine()
    )
    binary = root / "node_modules" / "@foundry-rs" / f"anvil-{system}-{machine}" / "bin" / "anvil"
    if not binary.is_file():
        raise SandboxError(
            f"no anvil binary for {system}-{machine} in {binary.parent}: install Foundry so `anvil` is on PATH"
        )
    return binary
