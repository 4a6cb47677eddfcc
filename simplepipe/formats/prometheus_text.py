"""Prometheus text exposition (format 0.0.4, and the OpenMetrics subset of it) as input."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from simplepipe.spec import INF, MetricSet, MetricType, Position

SAMPLE_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
TYPES = {
    "counter": MetricType.COUNTER, "gauge": MetricType.GAUGE, "histogram": MetricType.HISTOGRAM,
    "summary": MetricType.SUMMARY, "untyped": MetricType.GAUGE, "unknown": MetricType.GAUGE,
    "info": MetricType.INFO,
}
ESCAPES = {"\\": "\\", '"': '"', "n": "\n"}


def looks_like(text: str) -> bool:
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("# TYPE ") or line.startswith("# HELP "):
            return True
        if line.startswith("#"):
            continue
        return bool(SAMPLE_NAME.match(line))
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
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        at = Position(line=number)
        if not line:
            continue
        if line.startswith("#"):
            parts = line.split(None, 3)
            if len(parts) >= 3 and parts[1] == "HELP":
                helps[parts[2]] = _unescape_help(parts[3] if len(parts) > 3 else "")
            elif len(parts) >= 3 and parts[1] == "TYPE":
                kind = parts[3].strip() if len(parts) > 3 else ""
                if kind not in TYPES:
                    raise metrics.error(f"{kind!r} is not a metric type ({', '.join(TYPES)})", at, parts[2], "TYPE")
                current = families.setdefault(parts[2], _Family(parts[2], TYPES[kind], line=number))
            elif parts[:2] == ["#", "EOF"]:
                break
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
                raise metrics.error(f"duplicate {special}={labels[special]!r}", at, name, special)
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
        raise metrics.error(f"{line!r} is not a sample line (name{{labels}} value)", at)
    name = match.group(0)
    pos = match.end()
    labels: dict[str, str] = {}
    if pos < len(line) and line[pos] == "{":
        pos = _labels(metrics, line, pos + 1, labels, at, name)
    fields = line[pos:].split()
    if not fields:
        raise metrics.error("has no value", at, name, "value")
    value = metrics.number(fields[0], at, name, "value")
    return name, labels, value, " ".join(fields[1:])


def _labels(metrics: MetricSet, line: str, pos: int, labels: dict[str, str], at: Position, name: str) -> int:
    """Parses `k="v",...}` from pos; returns the position after '}'."""
    while True:
        while pos < len(line) and line[pos] in " ,":
            pos += 1
        if pos < len(line) and line[pos] == "}":
            return pos + 1
        eq = line.find("=", pos)
        if eq < 0:
            raise metrics.error("unterminated label set", at, name, "labels")
        key = line[pos:eq].strip()
        pos = eq + 1
        while pos < len(line) and line[pos] == " ":
            pos += 1
        if pos >= len(line) or line[pos] != '"':
            raise metrics.error(f"the value of label {key!r} must be quoted", at, name, f"labels.{key}")
        pos += 1
        chars = []
        while True:
            if pos >= len(line):
                raise metrics.error(f"unterminated value of label {key!r}", at, name, f"labels.{key}")
            ch = line[pos]
            if ch == "\\" and pos + 1 < len(line):
                chars.append(ESCAPES.get(line[pos + 1], "\\" + line[pos + 1]))
                pos += 2
                continue
            if ch == '"':
                pos += 1
                break
            chars.append(ch)
            pos += 1
        if key in labels:
            raise metrics.error(f"label {key!r} appears twice", at, name, f"labels.{key}")
        labels[key] = "".join(chars)


def _unescape_help(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), text)
