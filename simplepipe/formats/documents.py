"""JSON and YAML documents read within the input limits.

Nesting is bounded (no RecursionError), YAML anchors, aliases and merge keys are refused (no
billion laughs), a key appears once per mapping, and numbers are decimal: what a metrics file needs
and nothing that could make parsing explode or silently change a value.
"""
from __future__ import annotations

import json
import math
import re
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.events import AliasEvent
from yaml.resolver import Resolver

from simplepipe.errors import InvalidMetricsError
from simplepipe.spec import shown

_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
# Outside strings, only brackets matter: openers become "(" and closers ")" (bytes.translate, in C).
_BRACKETS = bytes.maketrans(b"[{]}", b"(())")
_NOT_BRACKETS = bytes(set(range(256)) - set(b"[]{}"))
_YAML_INT = re.compile(r"[-+]?[0-9]+")
_YAML_FLOAT = re.compile(r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
_YAML_SPECIAL = {".inf": math.inf, "+.inf": math.inf, "-.inf": -math.inf, ".nan": math.nan}
_MERGE = "tag:yaml.org,2002:merge"


class _Refused(Exception):
    def __init__(self, problem: str, line: int | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.line = line


def too_deep(text: str, max_depth: int) -> bool:
    """Whether JSON text nests [ and { more than max_depth levels outside strings (or may, when invalid)."""
    if text.count("[") + text.count("{") <= max_depth:
        return False
    brackets = _JSON_STRING.sub("", text).encode("utf-8", "surrogatepass").translate(_BRACKETS, _NOT_BRACKETS)
    # Each pass removes the innermost level of every structure, so max_depth passes flatten a file
    # that is deep enough, and anything still nested is deeper.
    for passes in range(max_depth + 1):
        flatter = brackets.replace(b"()", b"")
        if flatter == brackets:
            # Unmatched openers left (invalid JSON) would still be nested into by the parser.
            return brackets.count(b"(") + passes > max_depth
        brackets = flatter
    return True


def load_json(text: str, source: str, max_depth: int) -> Any:
    """Parsed JSON; json.JSONDecodeError for bad syntax, InvalidMetricsError for what the limits refuse."""
    if too_deep(text, max_depth):
        raise _too_deep(source, max_depth)
    duplicates: list[tuple[dict, str, int | None]] = []

    def mapping(pairs: list[tuple[str, Any]]) -> dict:
        data = dict(pairs)
        if len(data) != len(pairs) and not duplicates:
            duplicates.append((data, _first_repeated(k for k, _ in pairs), None))
        return data

    try:
        data = json.loads(text, object_pairs_hook=mapping, parse_float=_json_float, parse_int=_json_int)
    except _Refused as refused:
        raise InvalidMetricsError(refused.problem, source=source) from None
    if duplicates:
        raise _duplicate(data, *duplicates[0], source)
    return data


def load_yaml(text: str, source: str, max_depth: int) -> Any:
    """Parsed YAML; yaml.YAMLError for bad syntax, InvalidMetricsError for what the limits refuse."""
    loader = _Loader(text)
    loader.max_depth = max_depth
    try:
        data = loader.get_single_data()
    except _Refused as refused:
        raise InvalidMetricsError(refused.problem, source=source, line=refused.line) from None
    finally:
        loader.dispose()
    if loader.duplicates:
        raise _duplicate(data, *loader.duplicates[0], source)
    return data


def yaml_problem(exc: yaml.YAMLError) -> str:
    """A YAML syntax error as one short line."""
    mark = getattr(exc, "problem_mark", None)
    where = f" at line {mark.line + 1}" if mark else ""
    problem = getattr(exc, "problem", None) or getattr(exc, "context", None) or str(exc)
    return f"invalid YAML{where}: {' '.join(str(problem).split())[:200]}"


def _too_deep(source: str, max_depth: int, line: int | None = None) -> InvalidMetricsError:
    return InvalidMetricsError(f"nested more than {max_depth} levels deep: not a metrics file", source=source,
                               line=line)


def _json_float(text: str) -> float:
    value = float(text)
    if value in (math.inf, -math.inf):
        raise _Refused(f"{shown(text)} is too large for a 64-bit float (write Infinity for an infinity)")
    return value


def _json_int(text: str) -> int | float:
    # Python refuses to read integers of more than 4300 digits; a float states the same number.
    return int(text) if len(text) < 19 else _json_float(text)


def _first_repeated(keys: Any) -> Any:
    seen = set()
    for key in keys:
        if key in seen:
            return key
        seen.add(key)
    return None


def _duplicate(data: Any, mapping: dict, key: Any, line: int | None, source: str) -> InvalidMetricsError:
    """Names the item and field of the mapping that had `key` twice."""
    path = _path_to(data, mapping)
    items = data
    if isinstance(data, dict) and path[:1] == ("metrics",):
        items, path = data["metrics"], path[1:]  # Kubeflow: items are under "metrics"
    item = name = None
    if path and isinstance(path[0], int) and isinstance(items, list):
        item, path = path[0], path[1:]
        entry = items[item]
        if isinstance(entry, dict):
            name = entry.get("name", entry.get("key"))
    field = ".".join(str(p) for p in (*path, key))
    return InvalidMetricsError(f"duplicate key {shown(key)}: each key may appear only once in a mapping",
                               source=source, item=item, line=line, name=name if isinstance(name, str) else None,
                               field=field)


def _path_to(data: Any, target: dict) -> tuple:
    """Where `target` sits in `data` (depth-first, without recursion)."""
    stack: list[tuple[Any, tuple]] = [(data, ())]
    while stack:
        node, path = stack.pop()
        if node is target:
            return path
        if isinstance(node, dict):
            stack.extend((v, (*path, k)) for k, v in reversed(list(node.items())))
        elif isinstance(node, list):
            stack.extend((v, (*path, i)) for i, v in reversed(list(enumerate(node))))
    return ()


class _BoundedComposer(Composer):
    """The YAML node tree, refusing anchors and aliases and nesting beyond max_depth."""

    max_depth = 32
    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, AliasEvent) or getattr(event, "anchor", None) is not None:
            raise _Refused("YAML anchors and aliases (&, *) are not accepted: a metrics file never needs them",
                           event.start_mark.line + 1)
        self._depth += 1
        try:
            if self._depth > self.max_depth:
                raise _Refused(f"nested more than {self.max_depth} levels deep: not a metrics file",
                               event.start_mark.line + 1)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


class _StrictConstructor(SafeConstructor):
    """SafeConstructor with unique keys, no merge keys, and numbers in decimal notation only."""

    def construct_yaml_map(self, node: Any) -> Any:
        data: dict = {}
        yield data
        for key_node, _ in node.value:
            if key_node.tag == _MERGE:
                raise _Refused("YAML merge keys (<<) are not accepted: write the keys out",
                               key_node.start_mark.line + 1)
        data.update(self.construct_mapping(node))
        if len(data) != len(node.value) and not self.duplicates:
            keys = [self.construct_object(k) for k, _ in node.value]
            key = _first_repeated(keys)
            line = node.value[keys.index(key, keys.index(key) + 1)][0].start_mark.line + 1
            self.duplicates.append((data, key, line))

    def construct_yaml_int(self, node: Any) -> int | float:
        text = self.construct_scalar(node)
        if not _YAML_INT.fullmatch(text):
            raise _Refused(f"{shown(text)} is not a decimal number (quote it if it is text)", node.start_mark.line + 1)
        return int(text) if len(text) < 19 else self._finite(text, node)

    def construct_yaml_float(self, node: Any) -> float:
        text = self.construct_scalar(node)
        special = _YAML_SPECIAL.get(text.lower())
        if special is not None:
            return special
        if not _YAML_FLOAT.fullmatch(text):
            raise _Refused(f"{shown(text)} is not a decimal number (quote it if it is text)", node.start_mark.line + 1)
        return self._finite(text, node)

    @staticmethod
    def _finite(text: str, node: Any) -> float:
        value = float(text)
        if value in (math.inf, -math.inf):
            raise _Refused(f"{shown(text)} is too large for a 64-bit float (write .inf for an infinity)",
                           node.start_mark.line + 1)
        return value


_StrictConstructor.add_constructor("tag:yaml.org,2002:map", _StrictConstructor.construct_yaml_map)
_StrictConstructor.add_constructor("tag:yaml.org,2002:int", _StrictConstructor.construct_yaml_int)
_StrictConstructor.add_constructor("tag:yaml.org,2002:float", _StrictConstructor.construct_yaml_float)

if getattr(yaml, "__with_libyaml__", False):
    from yaml._yaml import CParser

    # libyaml scans and parses; the (bounded) composing stays in Python.
    class _Loader(_BoundedComposer, CParser, _StrictConstructor, Resolver):  # type: ignore[misc]
        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            Composer.__init__(self)
            _StrictConstructor.__init__(self)
            Resolver.__init__(self)
            self.duplicates: list = []
else:  # pragma: no cover - PyYAML without libyaml
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class _Loader(Reader, Scanner, Parser, _BoundedComposer, _StrictConstructor, Resolver):  # type: ignore[no-redef]
        def __init__(self, stream: str) -> None:
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)
            Composer.__init__(self)
            _StrictConstructor.__init__(self)
            Resolver.__init__(self)
            self.duplicates: list = []
