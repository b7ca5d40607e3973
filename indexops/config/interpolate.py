"""`${NAME}` interpolation of environment variables in configuration strings."""

from __future__ import annotations

import re
from collections.abc import Mapping

_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def referenced_variables(text: str) -> list[str]:
    return _REFERENCE.findall(text)


def interpolate(text: str, environ: Mapping[str, str]) -> str:
    """Replace every `${NAME}`; raise KeyError naming the first variable that is not set."""

    def value_of(match: re.Match[str]) -> str:
        name = match.group(1)
        if not environ.get(name):
            raise KeyError(name)
        return environ[name]

    return _REFERENCE.sub(value_of, text)
