"""The package metadata installs without deprecation warnings, and the lock pins every dependency within its range."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[2]


def _pyproject() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text())


def _locked() -> dict[str, str]:
    pins = {}
    for line in (REPO / "requirements.lock").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = re.fullmatch(r"([A-Za-z0-9_.\-]+)==(\S+)", line).groups()
            pins[canonicalize_name(name)] = version
    return pins


def test_the_license_is_an_spdx_expression():
    project = _pyproject()["project"]
    assert project["license"] == "MIT"
    build = [Requirement(r) for r in _pyproject()["build-system"]["requires"]]
    setuptools = next(r for r in build if r.name == "setuptools")
    assert not setuptools.specifier.contains("76.9")  # SPDX strings need setuptools 77


def test_every_dependency_is_locked_within_its_range():
    project, pins = _pyproject()["project"], _locked()
    wanted = [Requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["test"]
                                         + project["optional-dependencies"]["lint"]]
    for requirement in wanted:
        if requirement.marker is not None and not requirement.marker.evaluate({"python_version": "3.11"}):
            continue
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is not in requirements.lock: run `make lock`"
        assert requirement.specifier.contains(pins[name], prereleases=True), f"{name}=={pins[name]} outside {requirement}"
