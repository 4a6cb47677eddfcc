"""The project's configuration files, each checked by its JSON Schema in platform/schemas/config/.

An error names the file and the path inside it:
    platform/tenants.yaml: tenants[1].pushgateway.local_port: 'x' is not of type 'integer'
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from jsonschema.exceptions import best_match

from harness.paths import REPO_ROOT

SCHEMA_DIR = REPO_ROOT / "platform" / "schemas" / "config"

# Each configuration file's schema, by the name loaders pass in.
TENANTS_SCHEMA = "tenants.schema.json"
LOCAL_PLATFORM_SCHEMA = "local-platform.schema.json"
THRESHOLDS_SCHEMA = "thresholds.schema.json"


@lru_cache(maxsize=None)
def validator(schema: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads((SCHEMA_DIR / schema).read_text()))


def shown(path: Path | str) -> str:
    """A file as the user knows it: relative to the repository when inside it."""
    path = Path(path)
    try:
        return str(path.resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def check(document: Any, schema: str, source: Path | str, error: type[Exception]) -> Any:
    """`document` (loaded from `source`) when `schema` accepts it; else raises `error` naming file, path and why."""
    problem = best_match(validator(schema).iter_errors(document))
    if problem is None:
        return document
    where = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in problem.absolute_path)
    raise error(f"{shown(source)}: {where.lstrip('.') + ': ' if where else ''}{_reason(problem)}")


def _reason(problem: jsonschema.ValidationError) -> str:
    """jsonschema's message; for a pattern, the schema's description of what the pattern means."""
    if problem.validator == "pattern" and isinstance(problem.schema, dict) and problem.schema.get("description"):
        return f"{problem.instance!r} is not {problem.schema['description']}"
    return problem.message


def load(path: Path | str, schema: str, error: type[Exception]) -> Any:
    """The YAML file at `path`, checked against `schema`; `error` for a missing, unparsable or invalid file."""
    try:
        document = yaml.safe_load(Path(path).read_text())
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise error(f"{shown(path)}: cannot read: {_one_line(exc)}") from exc
    return check(document, schema, path, error)


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())


def write_generated(path: Path, header: str, document: Any) -> bool:
    """Write a generated YAML file (`header` a one-line comment saying where it comes from); True when its
    content changed, so that a running server knows to reload it."""
    text = f"# {header}\n" + yaml.safe_dump(document, sort_keys=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and path.read_text() == text:
        return False
    path.write_text(text)
    return True
