"""No import runs back up: the lower layers never import a module of a layer above them (docs/architecture.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "indexops"

# the top-level modules under every layer: plain values, units, errors, the snapshot data model
BASE = {"errors", "limits", "values", "units", "paths", "snapshot", "valuation"}

# layer -> the indexops packages and top-level modules it may import (besides itself)
ALLOWED = {
    "planning": BASE,
    "leverage": BASE,
    "config": BASE,
    "chain": BASE | {"config", "planning", "leverage"},
}


def _imports(path: Path) -> set[str]:
    """The first component after `indexops.` of every import in the module, lazy ones included."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "indexops" and len(parts) > 1:
                found.add(parts[1])
    return found


def test_the_base_modules_import_only_each_other():
    wrong = {name: sorted(_imports(PACKAGE / f"{name}.py") - BASE) for name in sorted(BASE)}
    assert not {name: above for name, above in wrong.items() if above}


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_a_lower_layer_imports_nothing_above_it(layer):
    wrong = {}
    for path in sorted((PACKAGE / layer).rglob("*.py")):
        above = _imports(path) - ALLOWED[layer] - {layer}
        if above:
            wrong[str(path.relative_to(PACKAGE))] = sorted(above)
    assert not wrong, f"imports of higher layers: {wrong}"
