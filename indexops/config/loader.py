"""Find, parse and validate a products file; every problem becomes one line naming file and key path."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from indexops.config import semantics
from indexops.config.models import ProductsFile
from indexops.errors import ConfigError, UsageError
from indexops.paths import user_config_dir

DEFAULT_FILE_NAME = "products.toml"


@dataclass(frozen=True)
class LoadedConfig:
    path: Path
    file: ProductsFile


def default_config_candidates() -> list[Path]:
    return [Path.cwd() / DEFAULT_FILE_NAME, user_config_dir() / DEFAULT_FILE_NAME]


def find_config(explicit: Path | None) -> Path:
    if explicit is not None:
        if not explicit.is_file():
            raise UsageError(f"{explicit}: no such products file")
        return explicit
    for candidate in default_config_candidates():
        if candidate.is_file():
            return candidate
    looked = " and ".join(str(c) for c in default_config_candidates())
    raise UsageError(f"no products file: looked for {looked}; pass --config PATH")


def load_config(explicit: Path | None = None) -> LoadedConfig:
    path = find_config(explicit)
    return LoadedConfig(path=path, file=parse_products(path.read_text(encoding="utf-8"), source=str(path)))


def parse_products(text: str, source: str = DEFAULT_FILE_NAME) -> ProductsFile:
    """Parse and validate a products file, raising ConfigError with one line per problem."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError([f"{source}: invalid TOML: {error}"]) from None
    try:
        parsed = ProductsFile.model_validate(raw)
    except ValidationError as error:
        raise ConfigError([f"{source}: {line}" for line in _describe(error)]) from None
    found = [f"{source}: {path}: {message}" for path, message in semantics.problems(parsed)]
    if found:
        raise ConfigError(found)
    return parsed


def _describe(error: ValidationError) -> list[str]:
    lines = []
    for item in error.errors(include_url=False):
        path = ".".join(str(part) for part in item["loc"]) or "(top level)"
        lines.append(f"{path}: {_message(item)}")
    return lines


def _message(item: dict) -> str:
    kind = item["type"]
    if kind == "missing":
        return "missing required key"
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "value_error":
        return str(item["ctx"]["error"])
    if kind == "literal_error":
        return f"must be {item['ctx']['expected']} (got {item['input']!r})"
    text = item["msg"]
    if text.startswith("Input should be "):
        text = "must be " + text[len("Input should be "):]
    return f"{text[0].lower()}{text[1:]} (got {item['input']!r})"
