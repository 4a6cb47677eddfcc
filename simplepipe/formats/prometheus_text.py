"""Prometheus text exposition (format 0.0.4, and the OpenMetrics subset of it) as input.

Read as the Pushgateway's Go parser reads it: lines end at "\n" only, label values hold any UTF-8
(CR and U+2028 included), and the only escapes are \\, \" and \n, so that whatever Simplepipe renders
(`push --dry-run`) reads back as the same metrics.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from simplepipe.spec import INF, MetricSet, MetricType, Position, shown

SAMPLE_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
TYPES = {
    "counter": MetricType.COUNTER, "gauge": MetricType.GAUGE, "histogram": MetricType.HISTOGRAM,
    "summary": MetricType.SUMMARY, "untyped": MetricType.GAUGE, "unknown": MetricType.GAUGE,
    "info": MetricType.INFO,
}


# A sample line: a name, then labels or a value. A name ending in ':' followed by a value reads as
# YAML (`key: 1`), so detection leaves it to YAML; --format prometheus still parses it.
_SAMPLE_START = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*(?<!:)(?:[ \t]*\{|[ \t]+[-+]?(?:[0-9.]|Inf|NaN))")
_DESCRIPTOR = re.compile(r"#[ \t]*(HELP|TYPE)[ \t]+([^ \t]+)(?:[ \t]+(.*))?", re.S)
_BLANK = " \t"
_LABEL = re.compile(r'[ \t]*([a-zA-Z_][a-zA-Z0-9_]*)[ \t]*=[ \t]*"((?:[^"\\]|\\.)*)"[ \t]*(,|(?=\}))', re.S)
_ESCAPE = re.compile(r"\\(.?)", re.S)
_FIELDS = re.compile(r"[ \t]+")


def looks_like(text: str) -> bool:
    """Whether the first line that is not blank or a plain comment is a HELP/TYPE line or a sample."""
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        line = text[start:end].strip(" \t\r")
        start = end + 1
        if not line:
            continue
        if line.startswith("#"):
            if _DESCRIPTOR.match(line):
                return True
            continue
        return bool(_SAMPLE_START.match(line))
    return False


@dataclass
class _Family:
    name: str
    type: MetricType
    help: str = ""
    line: int = 0
    # labels key -> collected parts of one series
    series: dict[tuple, dict] = field(default_factory=dict)


def convert(text: str, source: str) -> MetricSet:
    metrics = MetricSet(source)
    families: dict[str, _Family] = {}
    helps: dict[str, str] = {}
    current: _Family | None = None
    for number, raw in enumerate(text.split("\n"), start=1):
        # Leading blanks are allowed; a trailing CR is a CRLF file's line end, never inside a label value.
        line = raw.strip(" \t\r") if raw[-1:] in _BLANK + "\r" or raw[:1] in _BLANK else raw
        at = Position(line=number)
        if not line:
            continue
        if line[0] == "#":
            descriptor = _DESCRIPTOR.fullmatch(line)
            if descriptor is None:
                if line.split(None, 1)[1:2] == ["EOF"] or line == "#EOF":
                    break
                continue
            word, metric, rest = descriptor.groups()
            if word == "HELP":
                helps[metric] = _unescape_help(metrics, rest or "", at, metric)
            else:
                kind = (rest or "").strip(_BLANK)
                if kind not in TYPES:
                    raise metrics.error(f"{shown(kind)} is not a metric type ({', '.join(TYPES)})", at, metric,
                                        "TYPE")
                current = families.setdefault(metric, _Family(metric, TYPES[kind], line=number))
            continue
        name, labels, value, rest = _sample(metrics, line, at)
        if rest:
            raise metrics.error("timestamps are not accepted: the Pushgateway refuses pushed samples with "
                                "timestamps (Prometheus stamps each scrape); remove it", at, name, "timestamp")
        family, part = _owner(current, name)
        if part == "created":
            continue  # `_created` series are client-library noise, not data
        if family is None:
            family = families.setdefault(name, _Family(name, MetricType.GAUGE, line=number))
            part = "value"
        special = {"bucket": "le", "quantile": "quantile"}.get(part)
        key_labels = {k: v for k, v in labels.items() if k != special}
        key = tuple(sorted(key_labels.items()))
        entry = family.series.setdefault(key, {"labels": key_labels, "line": number, "points": {}})
        if special:
            if special not in labels:
                raise metrics.error(f"a {family.type.value} sample needs the label {special!r}", at, name, special)
            bound = metrics.number(labels[special], at, name, special)
            if bound in entry["points"]:
                raise metrics.error(f"duplicate {special}={shown(labels[special])}", at, name, special)
            entry["points"][bound] = value
        else:
            if part in entry:
                raise metrics.error("duplicate series: the same name and labels appear twice", at, name, "labels")
            entry[part] = value
    for family in families.values():
        _add(metrics, family, helps.get(family.name, ""))
    return metrics


def _owner(current: _Family | None, name: str) -> tuple[_Family | None, str]:
    """Which TYPE-declared family a sample name belongs to, and which part of it it is."""
    if current is None:
        return None, "value"
    base, kind = current.name, current.type
    if kind is MetricType.HISTOGRAM:
        parts = {f"{base}_bucket": "bucket", f"{base}_sum": "sum", f"{base}_count": "count", f"{base}_created": "created"}
    elif kind is MetricType.SUMMARY:
        parts = {base: "quantile", f"{base}_sum": "sum", f"{base}_count": "count", f"{base}_created": "created"}
    elif kind is MetricType.COUNTER:
        stem = base[: -len("_total")] if base.endswith("_total") else base
        parts = {base: "value", f"{stem}_total": "value", f"{stem}_created": "created"}
    elif kind is MetricType.INFO:
        parts = {base: "value", f"{base}_info": "value"}
    else:
        parts = {base: "value"}
    part = parts.get(name)
    return (current, part) if part else (None, "value")


def _add(metrics: MetricSet, family: _Family, help_text: str) -> None:
    for entry in family.series.values():
        at = Position(line=entry["line"])
        labels = entry["labels"]
        kind = family.type
        if kind is MetricType.GAUGE:
            metrics.add_gauge(family.name, entry.get("value"), labels, help_text, None, at)
        elif kind is MetricType.COUNTER:
            metrics.add_counter(family.name, entry.get("value"), labels, help_text, None, at)
        elif kind is MetricType.INFO:
            metrics.add_info(family.name, labels, None, help_text, at)
        elif kind is MetricType.SUMMARY:
            _require(metrics, family, entry, at)
            metrics.add_summary(family.name, entry["count"], entry["sum"], entry["points"], labels, help_text,
                                None, at)
        else:
            _require(metrics, family, entry, at)
            points = sorted(entry["points"].items())
            if not points or points[-1][0] != INF:
                raise metrics.error("a histogram needs its le=\"+Inf\" bucket", at, family.name, "le")
            metrics.add_histogram(family.name, [b for b, _ in points], [c for _, c in points], entry["sum"],
                                  entry["count"], labels, help_text, None, at)


def _require(metrics: MetricSet, family: _Family, entry: dict, at: Position) -> None:
    for part in ("sum", "count"):
        if part not in entry:
            raise metrics.error(f"the series has no {family.name}_{part} sample", at, family.name, part)


def _sample(metrics: MetricSet, line: str, at: Position) -> tuple[str, dict[str, str], float, str]:
    match = SAMPLE_NAME.match(line)
    if not match:
        raise metrics.error(f"{shown(line)} is not a sample line (name{{labels}} value)", at)
    name = match.group(0)
    pos = match.end()
    while pos < len(line) and line[pos] in _BLANK:
        pos += 1
    labels: dict[str, str] = {}
    if pos < len(line) and line[pos] == "{":
        pos = _labels(metrics, line, pos + 1, labels, at, name)
    fields = _FIELDS.split(line[pos:].strip(_BLANK))
    if not fields[0]:
        raise metrics.error("has no value", at, name, "value")
    value = metrics.number(fields[0], at, name, "value")
    return name, labels, value, " ".join(fields[1:])


def _labels(metrics: MetricSet, line: str, pos: int, labels: dict[str, str], at: Position, name: str) -> int:
    """Parses `k="v",...}` from pos (a trailing comma is allowed); returns the position after '}'."""
    while True:
        while pos < len(line) and line[pos] in _BLANK:
            pos += 1
        if pos < len(line) and line[pos] == "}":
            return pos + 1
        label = _LABEL.match(line, pos)
        if label is None:
            raise metrics.error(f"malformed label set at column {pos + 1}: expected name=\"value\" "
                                "(a value is double-quoted; escapes are only \\\\, \\\" and \\n)", at, name,
                                "labels")
        key, raw, _ = label.groups()
        if key in labels:
            raise metrics.error(f"label {key!r} appears twice", at, name, f"labels.{key}")
        labels[key] = _unescape(metrics, raw, at, name, f"labels.{key}") if "\\" in raw else raw
        pos = label.end()


def _unescape(metrics: MetricSet, raw: str, at: Position, name: str, field: str, allowed: str = '\\"n') -> str:
    def replace(escape: re.Match) -> str:
        char = escape.group(1)
        if not char or char not in allowed:
            raise metrics.error(f"invalid escape {shown(chr(92) + char)} (the text format knows only "
                                + ", ".join("\\" + c for c in allowed) + ")", at, name, field)
        return "\n" if char == "n" else char

    return _ESCAPE.sub(replace, raw)


def _unescape_help(metrics: MetricSet, text: str, at: Position, name: str) -> str:
    return _unescape(metrics, text, at, name, "HELP", "\\n") if "\\" in text else text
