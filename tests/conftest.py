"""Test-wide set-up: an isolated indexops home, and the shared sandbox toolchain."""

from __future__ import annotations

import os
import tempfile

from indexops.sandbox.toolchain import toolchain_dir

# Resolve the toolchain before moving INDEXOPS_HOME, so every run shares one npm install.
os.environ.setdefault("INDEXOPS_TOOLCHAIN_DIR", str(toolchain_dir()))
os.environ["INDEXOPS_HOME"] = tempfile.mkdtemp(prefix="indexops-test-home-")


import json as _json
from dataclasses import dataclass

import pytest

from indexops.cli.app import main


@dataclass
class CliResult:
    code: int
    out: str
    err: str

    def json(self):
        return _json.loads(self.out)


@pytest.fixture
def cli(capsys):
    """Run `indexops ARGS...` in-process through the real entry point."""

    def run(*args: str) -> CliResult:
        capsys.readouterr()
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run
