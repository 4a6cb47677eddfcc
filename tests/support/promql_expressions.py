"""Just enough PromQL reading for the tests' checks: the metric names an expression selects (the dashboards
read only known series; a tenant produces what its scenarios' queries select)."""
from __future__ import annotations

import re

_TOKEN = re.compile(
    r"""
    (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)
  | (?P<variable>\$\{[^}]*\}|\$\w+|\[\[\w+\]\])
  | (?P<number>\d[\w.]*)
  | (?P<ident>[A-Za-z_:][A-Za-z0-9_:]*)
  | (?P<punct>[{}()\[\],])
  | (?P<space>\s+)
  | (?P<other>.)
    """,
    re.VERBOSE,
)
_AGGREGATIONS = frozenset({
    "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values",
    "bottomk", "topk", "quantile",
})
# Keywords followed by a parenthesised list of label names, not of expressions.
_LABEL_LIST_KEYWORDS = frozenset({"by", "without", "on", "ignoring", "group_left", "group_right"})
_OPERATOR_WORDS = frozenset({"and", "or", "unless", "bool", "offset", "atan2", "inf", "nan", "@", "start", "end"})


class PromQLReadError(ValueError):
    """An expression these checks cannot read (unbalanced brackets)."""


def metric_names(expr: str) -> set[str]:
    """Names of the metrics an expression selects (`up`, `push_time_seconds`...), functions excluded."""
    tokens = [(m.lastgroup, m.group()) for m in _TOKEN.finditer(expr) if m.lastgroup != "space"]
    names: set[str] = set()
    closing = {"{": "}", "[": "]", "(": ")"}
    index = 0
    while index < len(tokens):
        kind, text = tokens[index]
        following = tokens[index + 1][1] if index + 1 < len(tokens) else ""
        if text in ("{", "["):
            index = _skip_group(tokens, index, text, closing[text], expr)
            continue
        if kind == "ident":
            lowered = text.lower()
            if lowered in _LABEL_LIST_KEYWORDS:
                if following == "(":
                    index = _skip_group(tokens, index + 1, "(", ")", expr)
                    continue
            elif lowered in _AGGREGATIONS or lowered in _OPERATOR_WORDS or following == "(":
                pass
            else:
                names.add(text)
        index += 1
    return names


def _skip_group(tokens: list[tuple[str, str]], start: int, opening: str, closing: str, expr: str) -> int:
    """Index after the bracket that closes the one at `start`."""
    depth = 0
    for index in range(start, len(tokens)):
        text = tokens[index][1]
        if text == opening:
            depth += 1
        elif text == closing:
            depth -= 1
            if depth == 0:
                return index + 1
    raise PromQLReadError(f"unbalanced {opening!r} in PromQL expression: {expr}")
