"""Build the stand-in for Set's self-service manager contracts (sandbox chain only).

`standin/` holds Solidity written to the published interface of Set's set-v2-strategies
(DelegatedManager, ManagerCore, DelegatedManagerFactory and the global extensions), which is not
on npm. `compile_standin` runs `standin/compile.js` with solc-js 0.6.10 and caches the result,
keyed by the sources, the compile script and the versions of the compiler and of the imported
packages, so a warm start reads one JSON file.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import tempfile
from pathlib import Path

from indexops.errors import SandboxError
from indexops.units import duration

STANDIN_DIR = Path(__file__).parent / "standin"
COMPILE_SCRIPT = STANDIN_DIR / "compile.js"
COMPILE_TIMEOUT_SECONDS = 300


def compile_standin(
    node: str,
    solc_module_dir: Path,
    set_v2_dir: Path,
    openzeppelin_dir: Path,
    cache_dir: Path,
) -> dict[str, dict]:
    """{contract name: {"abi": [...], "bytecode": "0x..."}} for every deployable stand-in contract."""
    solc_module_dir, set_v2_dir, openzeppelin_dir = Path(solc_module_dir), Path(set_v2_dir), Path(openzeppelin_dir)
    for what, folder in (
        ("solc", solc_module_dir),
        ("Set V2 package", set_v2_dir),
        ("OpenZeppelin contracts", openzeppelin_dir),
    ):
        if not (folder / "package.json").is_file():
            raise SandboxError(f"cannot compile the manager stand-in: no {what} package in {folder}")

    key = _cache_key(solc_module_dir, set_v2_dir, openzeppelin_dir)
    cache_dir = Path(cache_dir)
    cached = cache_dir / f"standin-{key[:24]}.json"
    if cached.is_file():
        try:
            return json.loads(cached.read_text())
        except (OSError, ValueError):
            pass  # unreadable or torn: compile again

    command = [
        node,
        str(COMPILE_SCRIPT),
        "--solc",
        str(solc_module_dir),
        "--set-v2",
        str(set_v2_dir),
        "--openzeppelin",
        str(openzeppelin_dir),
    ]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=COMPILE_TIMEOUT_SECONDS)
    except FileNotFoundError:
        raise SandboxError(f"cannot compile the manager stand-in: node not found ({node})") from None
    except subprocess.TimeoutExpired:
        raise SandboxError(
            f"compiling the manager stand-in took more than {duration(COMPILE_TIMEOUT_SECONDS)}"
        ) from None
    if done.returncode != 0:
        raise SandboxError(f"compiling the manager stand-in failed: {_first_line(done.stderr)}")
    try:
        contracts = json.loads(done.stdout)
    except ValueError:
        raise SandboxError("compiling the manager stand-in gave output that is not JSON") from None
    if not isinstance(contracts, dict) or "DelegatedManager" not in contracts:
        raise SandboxError("compiling the manager stand-in gave no DelegatedManager")

    _write_atomically(cache_dir, cached, done.stdout)
    return contracts


def _cache_key(solc_module_dir: Path, set_v2_dir: Path, openzeppelin_dir: Path) -> str:
    digest = hashlib.sha256()
    for folder in (solc_module_dir, set_v2_dir, openzeppelin_dir):
        manifest = json.loads((folder / "package.json").read_text())
        digest.update(f"{manifest.get('name')}@{manifest.get('version')}\n".encode())
    for path in sorted(STANDIN_DIR.rglob("*")):
        if path.is_file() and path.suffix in (".sol", ".js"):
            digest.update(path.relative_to(STANDIN_DIR).as_posix().encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return "no error output"


def _write_atomically(folder: Path, target: Path, text: str) -> None:
    """Best effort: a cache that cannot be written only costs a compile next time."""
    temporary = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".standin-", suffix=".tmp")
        with os.fdopen(handle, "w") as stream:
            stream.write(text)
        os.replace(temporary, target)
    except OSError:
        if temporary:
            Path(temporary).unlink(missing_ok=True)
