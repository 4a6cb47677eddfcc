"""Loop items as Argo sees them: `withItems`, `withParam`, `withSequence`, the node names they give, the
`{{item}}` values, and the JSON lists that aggregate a fanned-out step's outputs.

Argo holds an item as its raw JSON text (pkg/apis/workflow/v1alpha1/item.go) and prints it with Go's
encoding/json: keys sorted, no spaces, `<`, `>` and `&` escaped, numbers as written (from a parameter) or as
Go formats a float64 (from the manifest, which the API server stores through float64). This module
reproduces that text, so that node names and substituted values are the ones Argo shows.
"""
from __future__ import annotations

import json
import math
import re
from decimal import Decimal
from typing import Any


class RawNumber(str):
    """A JSON number kept as written (`2.50` stays `2.50`), as Argo's json.RawMessage keeps it."""


class ItemError(ValueError):
    """A loop cannot be expanded (withParam not a JSON list, withSequence not numbers, ...)."""


def go_float(value: float) -> str:
    """A float64 as Go's encoding/json writes it: shortest form, exponent only below 1e-6 or from 1e21."""
    if math.isnan(value) or math.isinf(value):
        raise ItemError(f"json: unsupported value: {value}")
    if value == int(value) and abs(value) < 1e21:
        return str(int(value))
    if abs(value) < 1e-6 or abs(value) >= 1e21:
        text = repr(value)  # Python's shortest repr uses an exponent here too
        mantissa, exponent = text.split("e")
        return f"{mantissa}e{exponent[0]}{exponent[1:].lstrip('0') or '0'}"
    return format(Decimal(repr(value)), "f")


def go_json(value: Any) -> str:
    """`json.Marshal` of a value decoded from JSON or YAML, as Go writes it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, RawNumber):
        return str(value)
    if isinstance(value, str):
        return go_string(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return go_float(value)
    if isinstance(value, dict):
        return "{" + ",".join(f"{go_string(str(k))}:{go_json(value[k])}" for k in sorted(value, key=str)) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(go_json(v) for v in value) + "]"
    raise ItemError(f"json: unsupported type {type(value).__name__}")


_GO_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t",
               "<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def go_string(text: str) -> str:
    """A JSON string as Go's encoding/json writes it (HTML characters escaped)."""
    return '"' + "".join(_GO_ESCAPES.get(ch) or (f"\\u{ord(ch):04x}" if ord(ch) < 0x20 else ch)
                         for ch in text) + '"'


def _unescape_html(text: str) -> str:
    """util/json.Fix: what Item.String() shows."""
    return text.replace("\\u003c", "<").replace("\\u003e", ">").replace("\\u0026", "&")


def item_text(item: Any) -> str:
    """Item.String(): a string without its quotes (JSON-escaped), anything else as compact JSON."""
    text = go_json(item)
    if isinstance(item, str) and not isinstance(item, RawNumber):
        text = text[1:-1]
    return _unescape_html(text)


def parse_json_list(text: str) -> list:
    """withParam's value: a JSON list; numbers keep their text."""
    try:
        items = json.loads(text, parse_float=RawNumber, parse_int=RawNumber)
    except ValueError as exc:
        raise ItemError(f"withParam value could not be parsed as a JSON list: {text.strip()}: {exc}") from None
    if not isinstance(items, list):
        raise ItemError(f"withParam value could not be parsed as a JSON list: {text.strip()}: "
                        f"json: cannot unmarshal {type(items).__name__} into a list")
    return items


# Go's fmt verbs a withSequence `format` may use, and the Python ones that print an int the same way.
_FORMAT_VERB = re.compile(r"%([-+# 0]*\d*)([dvxXob])")


def sequence(count: str | None, start: str | None, end: str | None, fmt: str | None) -> list[str]:
    """expandSequence (workflow/controller/operator.go): `start`..`end` inclusive, or `count` items from
    `start`, counting down when end < start; each formatted with `format` (Go's fmt) or %d."""
    try:
        first = int(start) if start not in (None, "") else 0
        if end not in (None, ""):
            last = int(end)
        elif count not in (None, ""):
            if int(count) == 0:
                return []
            last = first + int(count) - 1
        else:
            raise ItemError("neither end nor count was specified in withSequence")
    except ValueError as exc:
        raise ItemError(f"withSequence: {exc}") from None
    step = 1 if first <= last else -1
    pattern = _FORMAT_VERB.sub(lambda m: f"%{m.group(1)}{'d' if m.group(2) == 'v' else m.group(2)}", fmt or "%d")
    return [pattern % number for number in range(first, last + step, step)]


def item_substitutions(item: Any) -> dict[str, str]:
    """The `{{item}}` (and for a map `{{item.KEY}}`) values of one item (processItem in operator.go)."""
    if isinstance(item, dict):
        values = {f"item.{key}": item_text(value) for key, value in item.items()}
        values["item"] = go_json(item)
        return values
    if isinstance(item, list):
        return {"item": go_json(item)}
    if isinstance(item, bool):
        return {"item": "true" if item else "false"}
    if isinstance(item, str) and not isinstance(item, RawNumber):
        return {"item": item}
    return {"item": item_text(item)}


def expanded_name(name: str, index: int, item: Any) -> str:
    """generateNodeName: `name(index:description)`, parentheses dropped from the description; a map's
    description is its sorted `key:value` pairs."""
    if isinstance(item, dict):
        description = ",".join(sorted(f"{key}:{item_text(value)}" for key, value in item.items()))
    elif isinstance(item, bool):
        description = "true" if item else "false"
    else:
        description = item_text(item)
    return f"{name}({index}:{description.replace('(', '').replace(')', '')})"


def aggregated_parameter(values: list[str]) -> str:
    """aggregatedJSONValueList: a JSON list of the values, parsed when every one is a JSON map or list."""
    parsed = []
    for value in values:
        try:
            decoded = json.loads(value)
        except ValueError:
            break
        if not isinstance(decoded, (dict, list)):
            break
        parsed.append(_as_float64(decoded))
    else:
        return go_json(parsed)
    return go_json(values)


def aggregated_results(results: list[str]) -> str:
    """The results of a fanned-out step as one JSON list; each must be JSON (processAggregateNodeOutputs)."""
    items = []
    for result in results:
        try:
            items.append(json.loads(result, parse_float=RawNumber, parse_int=RawNumber))
        except ValueError as exc:
            raise ItemError(f"invalid character in the outputs.result {result!r} of a fanned-out step: it is "
                            f"aggregated as a JSON list, so each result must be JSON ({exc})") from None
    return go_json(items)


def _as_float64(value: Any) -> Any:
    """Go decodes JSON numbers into interface{} as float64."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, dict):
        return {k: _as_float64(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_float64(v) for v in value]
    return value
