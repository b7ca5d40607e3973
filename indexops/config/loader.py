"""Find, parse and validate a products file; every problem becomes one line naming file and key path."""

from __future__ import annotations

import ast
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError
from pydantic_core import ErrorDetails

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
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ConfigError([f"{path}: not UTF-8 text: {error.reason} at byte {error.start}"]) from None
    except OSError as error:
        raise UsageError(f"{path}: cannot read the products file: {error.strerror or error}") from None
    return LoadedConfig(path=path, file=parse_products(text, source=str(path)))


def parse_products(text: str, source: str = DEFAULT_FILE_NAME) -> ProductsFile:
    """Parse and validate a products file, raising ConfigError with one line per problem."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError([f"{source}: invalid TOML: {_toml_problem(str(error), text)}"]) from None
    try:
        parsed = ProductsFile.model_validate(raw)
    except ValidationError as error:
        raise ConfigError([f"{source}: {line}" for line in _describe(error)]) from None
    found = [f"{source}: {path}: {message}" for path, message in semantics.problems(parsed)]
    if found:
        raise ConfigError(found)
    return parsed


_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)$")
_ASSIGNED_KEY = re.compile(
    r"""^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*="""
)
_TABLE_HEADER = re.compile(r"^\s*\[\[?\s*([^\[\]]+?)\s*\]\]?\s*(?:#.*)?$")
_KEY_PART = re.compile(r"""[A-Za-z0-9_-]+|"([^"]*)"|'([^']*)'""")


def _toml_problem(message: str, text: str) -> str:
    """tomllib's message, reworded where it does not say what is wrong (a key or table given twice)."""
    position = _POSITION.search(message)
    if position is None:
        return message
    line = int(position.group(1))
    if message.startswith("Cannot overwrite a value"):
        found = _assigned_key_before(text, line)
        if found is None:
            return f"duplicate key: a key is set a second time (at line {line})"
        key, key_line = found
        return f"duplicate key {key!r}: set a second time at line {key_line} (each key may be given only once)"
    declared = re.match(r"Cannot declare (\(.*\)) twice", message)
    if declared:
        try:
            table = ".".join(ast.literal_eval(declared.group(1)))
        except (ValueError, SyntaxError, TypeError):
            return message
        return (
            f"duplicate table [{table}]: declared a second time at line {line} (each table may be declared only once)"
        )
    return message


def _assigned_key_before(text: str, line: int) -> tuple[str, int] | None:
    """The full key assigned on `line` (or, when its value spans lines, the nearest line above), and that line."""
    lines = text.splitlines()
    for number in range(min(line, len(lines)), 0, -1):
        found = _ASSIGNED_KEY.match(lines[number - 1])
        if found:
            return ".".join(_table_above(lines, number) + _key_parts(found.group(1))), number
    return None


def _table_above(lines: list[str], line: int) -> list[str]:
    for number in range(line - 1, 0, -1):
        header = _TABLE_HEADER.match(lines[number - 1])
        if header:
            return _key_parts(header.group(1))
    return []


def _key_parts(dotted: str) -> list[str]:
    return [
        m.group(1) if m.group(1) is not None else m.group(2) if m.group(2) is not None else m.group(0)
        for m in _KEY_PART.finditer(dotted)
    ]


def _describe(error: ValidationError) -> list[str]:
    lines = []
    for item in error.errors(include_url=False):
        loc = list(item["loc"])
        if loc and loc[-1] == "[key]":  # the key of a table whose keys are a fixed set (modules, extensions)
            path = ".".join(str(part) for part in loc[:-1])
            lines.append(
                f"{path}: unknown key: must be {item['ctx']['expected']}"
                if item["type"] == "literal_error"
                else f"{path}: {_message(item)}"
            )
            continue
        path = ".".join(str(part) for part in loc) or "(top level)"
        lines.append(f"{path}: {_message(item, show_input=loc[:2] != ['alerts', 'urls'])}")
    return lines


def _message(item: ErrorDetails, show_input: bool = True) -> str:
    """The problem in words; the value given too unless `show_input` is false (an alert URL holds credentials)."""
    kind = item["type"]
    if kind == "missing":
        return "missing required key"
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "value_error":
        return str(item["ctx"]["error"])
    if kind == "literal_error":
        return f"must be {item['ctx']['expected']}" + (f" (got {item['input']!r})" if show_input else "")
    text = item["msg"]
    if text.startswith("Input should be "):
        text = "must be " + text[len("Input should be ") :]
    got = f" (got {item['input']!r})" if show_input else ""
    return f"{text[0].lower()}{text[1:]}{got}"
