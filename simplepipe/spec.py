"""The metric spec: typed metric families and series, validated against the Prometheus data model.

Every input format is converted into a `MetricSet` through the `add_*` methods, which are the
single place where validation happens, so an input is either fully valid or refused before
anything is pushed.
"""
from __future__ import annotations

import math
import re
import reprlib
from dataclasses import dataclass, field
from enum import Enum
from typing import Iterable, Iterator, Mapping

from simplepipe.errors import InvalidMetricsError

METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
UNIT = re.compile(r"[a-zA-Z0-9_]+")

# Stamped by the platform (Prometheus relabelling, Pushgateway grouping key) or by Simplepipe's
# workflow identity: a metrics file setting them would be overridden or would forge another tenant.
PLATFORM_LABELS = frozenset({"tenant", "namespace", "job", "instance", "argo_workflow", "argo_template"})
# The Pushgateway adds these per group and refuses pushes that contain them.
GATEWAY_METRICS = frozenset({"push_time_seconds", "push_failure_time_seconds"})
# Series Prometheus writes itself; the platform drops them when a tenant pushes them (harness/stamping.py).
PLATFORM_SERIES = frozenset({"up", "ALERTS", "ALERTS_FOR_STATE"})
PLATFORM_SERIES_PREFIX = "scrape_"
# prometheus_client's default histogram buckets, used when an input gives observations only.
DEFAULT_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0)

INF = math.inf
# Label names already checked valid, not reserved, and neither `le` nor `quantile`; bounded so that
# hostile input cannot grow it without end.
_PLAIN_LABELS: set[str] = set()
_PLAIN_LABELS_KEPT = 4096
# Numeric strings as the Pushgateway's Go parser reads them, minus Go's extras (hex, "_", "infinity").
DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
SPECIAL_NUMBERS = {"NaN": math.nan, "+Inf": INF, "Inf": INF, "-Inf": -INF}

_SHORT = reprlib.Repr()
_SHORT.maxlevel, _SHORT.maxstring, _SHORT.maxother = 2, 60, 60
_SHORT.maxlist = _SHORT.maxdict = _SHORT.maxtuple = _SHORT.maxset = 4


def shown(value: object) -> str:
    """A value as an error message quotes it: short, one line, safe for any size or nesting."""
    return _SHORT.repr(value)


class MetricType(str, Enum):
    GAUGE = "gauge"
    COUNTER = "counter"
    SUMMARY = "summary"
    HISTOGRAM = "histogram"
    INFO = "info"

    @property
    def exposed(self) -> str:
        """The TYPE word in text format 0.0.4, which has no info type (info is a gauge of 1)."""
        return "gauge" if self is MetricType.INFO else self.value


_EXPOSED = {kind: kind.exposed for kind in MetricType}
_ONE_SAMPLE = frozenset({MetricType.GAUGE, MetricType.COUNTER, MetricType.INFO})


@dataclass(frozen=True, slots=True)
class Position:
    """Where an item sits in its source, for error messages."""

    item: int | None = None
    line: int | None = None


@dataclass(slots=True)
class Series:
    """One labelled series of a family. Which fields are meaningful depends on the family type."""

    labels: dict[str, str]
    value: float = 0.0
    sum: float = 0.0
    count: float = 0.0
    quantiles: tuple[tuple[float, float], ...] = ()
    # (upper bound, cumulative count); the last bound is always +Inf.
    buckets: tuple[tuple[float, float], ...] = ()
    label_text: str = ""


@dataclass(slots=True)
class MetricFamily:
    name: str
    type: MetricType
    help: str = ""
    series: list[Series] = field(default_factory=list)
    # (item, line) of its first declaration. A tuple of ints, which the garbage collector stops tracking, not
    # the caller's Position: one kept per family would be one more long-lived tracked object per metric.
    declared: tuple[int | None, int | None] = (None, None)

    @property
    def declared_at(self) -> Position:
        return Position(*self.declared)

    def sample_names(self) -> tuple[str, ...]:
        if self.type is MetricType.HISTOGRAM:
            return (f"{self.name}_bucket", f"{self.name}_sum", f"{self.name}_count")
        if self.type is MetricType.SUMMARY:
            return (self.name, f"{self.name}_sum", f"{self.name}_count")
        return (self.name,)


def format_value(value: float) -> str:
    """A float as the Go parser of the Pushgateway reads it (NaN, +Inf, -Inf; integers without .0)."""
    if value != value:
        return "NaN"
    if value == INF:
        return "+Inf"
    if value == -INF:
        return "-Inf"
    if value.is_integer() and -1e15 < value < 1e15:
        return str(int(value))
    return repr(value)


def escape_label_value(value: str) -> str:
    if "\\" in value or '"' in value or "\n" in value:
        return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return value


def escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def exposed_name(name: str, metric_type: MetricType, unit: str | None = None) -> str:
    """The family name pushed for a declared name: unit suffix, then `_total` / `_info` by type."""
    base = name
    if metric_type is MetricType.COUNTER and base.endswith("_total"):
        base = base[: -len("_total")]
    if metric_type is MetricType.INFO and base.endswith("_info"):
        base = base[: -len("_info")]
    if unit and not base.endswith(f"_{unit}"):
        base = f"{base}_{unit}"
    if metric_type is MetricType.COUNTER:
        return f"{base}_total"
    if metric_type is MetricType.INFO:
        return f"{base}_info"
    return base


class MetricSet:
    """A validated set of metric families from one source, ready to be serialized in one push."""

    def __init__(self, source: str = "<metrics>") -> None:
        self.source = source
        # The input format it was read from (set by simplepipe.formats; --standard maps some formats).
        self.format: str | None = None
        self._families: dict[str, MetricFamily] = {}
        self._sample_owner: dict[str, str] = {}
        self._series_at: dict[str, tuple[int | None, int | None]] = {}  # series -> (item, line) first seen

    # -- reading ---------------------------------------------------------------------------
    def __iter__(self) -> Iterator[MetricFamily]:
        return iter(self._families.values())

    def __len__(self) -> int:
        return len(self._families)

    def __getitem__(self, name: str) -> MetricFamily:
        return self._families[name]

    def __contains__(self, name: object) -> bool:
        return name in self._families

    @property
    def series_count(self) -> int:
        return sum(len(f.series) for f in self._families.values())

    def label_names(self) -> set[str]:
        return {k for f in self._families.values() for s in f.series for k in s.labels}

    # -- building (the validation rules) ----------------------------------------------------
    def error(self, problem: str, at: Position | None = None, name: str | None = None,
              field: str | None = None) -> InvalidMetricsError:
        at = at or Position()
        if not isinstance(name, str):
            name = None
        elif len(name) > 100:
            name = name[:100] + "..."
        return InvalidMetricsError(problem, source=self.source, item=at.item, line=at.line,
                                   name=name, field=field)

    def named_item(self, item: object, at: Position, fields: frozenset[str], name_field: str) -> str:
        """The name of one item of a foreign format: a mapping of only `fields`, `name_field` a non-empty string."""
        if not isinstance(item, dict):
            raise self.error(f"expected a mapping, got {shown(item)}", at)
        name = item.get(name_field)
        unknown = sorted(set(item) - fields)
        if unknown:
            raise self.error(f"unknown field (known: {', '.join(sorted(fields))})", at, name, unknown[0])
        if not isinstance(name, str) or not name:
            raise self.error("is missing", at, None, name_field)
        return name

    def number(self, raw: object, at: Position, name: str | None, field: str) -> float:
        """A sample value: a JSON/YAML number, or a string in decimal/exponent notation, "NaN", "+Inf", "-Inf"."""
        kind = type(raw)
        if kind is float:
            return raw  # type: ignore[return-value]
        if kind is int or (isinstance(raw, (int, float)) and kind is not bool):
            try:
                return float(raw)  # type: ignore[arg-type]
            except OverflowError:
                raise self.error(f"{shown(raw)} is too large for a 64-bit float", at, name, field) from None
        if kind is str:
            special = SPECIAL_NUMBERS.get(raw)  # type: ignore[call-overload]
            if special is not None:
                return special
            if DECIMAL.fullmatch(raw):  # type: ignore[arg-type]
                number = float(raw)  # type: ignore[arg-type]
                if number == INF or number == -INF:
                    raise self.error(f"{shown(raw)} is too large for a 64-bit float (write \"+Inf\" for an "
                                     "infinity)", at, name, field)
                return number
            raise self.error(f"{shown(raw)} is not a number", at, name, field)
        if isinstance(raw, bool):
            raise self.error(f"{raw!r} is a boolean, not a number", at, name, field)
        if raw is None:
            raise self.error("is missing (a number is required)", at, name, field)
        raise self.error(f"{shown(raw)} is not a number", at, name, field)

    def _family(self, name: str, metric_type: MetricType, help_text: str, at: Position) -> MetricFamily:
        if type(name) is not str or not METRIC_NAME.fullmatch(name):
            raise self.error(f"{shown(name)} is not a valid Prometheus metric name "
                             "(letters, digits, '_' and ':', not starting with a digit)", at, None, "name")
        if name.startswith("__"):
            raise self.error(f"{name!r}: names starting with '__' are reserved by Prometheus", at, name, "name")
        if name in GATEWAY_METRICS:
            raise self.error(f"{name!r} is set by the Pushgateway itself for every group", at, name, "name")
        if name in PLATFORM_SERIES or name.startswith(PLATFORM_SERIES_PREFIX):
            raise self.error(f"{name!r} is a name Prometheus writes itself (up, scrape_*, ALERTS*); the platform "
                             "drops such pushed series: choose another name", at, name, "name")
        # The text format cannot carry leading blanks of a HELP text; trim both ends alike.
        if help_text:
            help_text = help_text.strip()
            if not help_text.isascii():
                help_text = self._utf8(help_text, at, name, "description")
        family = self._families.get(name)
        if family is not None:
            if family.type is not metric_type:
                first = family.declared_at
                where = f"item {first.item}" if first.item is not None else f"line {first.line}"
                raise self.error(f"metric {name!r} is already a {family.type.value} ({where}); "
                                 f"the same name cannot also be a {metric_type.value}", at, name, "metric_type")
            if help_text and not family.help:
                family.help = help_text
            return family
        family = MetricFamily(name, metric_type, help_text or "", [], (at.item, at.line))
        owners = self._sample_owner
        samples = family.sample_names()
        for sample in samples:
            owner = owners.get(sample)
            if owner is not None:
                raise self.error(f"series name {sample!r} would clash with metric {owner!r} "
                                 f"({self._families[owner].type.value}); rename one of them", at, name, "name")
        for sample in samples:
            owners[sample] = name
        self._families[name] = family
        return family

    def _labels(self, labels: Mapping[str, object] | None, metric_type: MetricType, at: Position,
                name: str, field_name: str = "labels") -> dict[str, str]:
        if labels is None:
            return {}
        if type(labels) is not dict and not isinstance(labels, Mapping):
            raise self.error(f"must be a mapping of label name to value, not {type(labels).__name__}",
                             at, name, field_name)
        checked: dict[str, str] = {}
        for key, raw in labels.items():
            if key in _PLAIN_LABELS and type(raw) is str and raw and raw.isascii():
                checked[key] = raw  # a name seen valid for every type, an ASCII value: nothing more to check
                continue
            where = f"{field_name}.{key}"
            if not isinstance(key, str) or not LABEL_NAME.fullmatch(key):
                raise self.error(f"{shown(key)} is not a valid label name (letters, digits and '_', "
                                 "not starting with a digit)", at, name, where)
            if key.startswith("__"):
                raise self.error("label names starting with '__' are reserved by Prometheus", at, name, where)
            if key in PLATFORM_LABELS:
                raise self.error(f"label {key!r} is set by the platform and cannot come from a metrics file "
                                 f"(reserved: {', '.join(sorted(PLATFORM_LABELS))})", at, name, where)
            if key == "le" and metric_type is MetricType.HISTOGRAM:
                raise self.error("label 'le' is reserved for histogram buckets", at, name, where)
            if key == "quantile" and metric_type is MetricType.SUMMARY:
                raise self.error("label 'quantile' is reserved for summary quantiles", at, name, where)
            if key not in ("le", "quantile") and len(_PLAIN_LABELS) < _PLAIN_LABELS_KEPT:
                _PLAIN_LABELS.add(key)
            if isinstance(raw, str):
                if not raw:
                    continue  # Prometheus: an empty label value is the same as no label
                checked[key] = raw if raw.isascii() else self._utf8(raw, at, name, where)
            elif isinstance(raw, float):
                checked[key] = format_value(float(raw))
            elif isinstance(raw, int) and not isinstance(raw, bool) and -10 ** 18 < raw < 10 ** 18:
                checked[key] = str(raw)
            else:
                raise self.error(f"label values must be strings, not {type(raw).__name__} {shown(raw)}",
                                 at, name, where)
        return checked

    def _utf8(self, text: str, at: Position, name: str, field_name: str) -> str:
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise self.error(f"{shown(text)} holds a lone surrogate, which UTF-8 cannot carry", at, name,
                             field_name) from None
        return text

    def _append(self, family: MetricFamily, series: Series, at: Position) -> Series:
        labels = series.labels
        if labels:
            series.label_text = ",".join([f'{k}="{escape_label_value(v)}"' for k, v in labels.items()])
        # The series as one string, its labels in name order. Like the tuple stored for it, a str leaves the
        # garbage collector nothing to track: long-lived tracked objects per series make it run full collections.
        if len(labels) < 2:
            key = f"{family.name}{{{series.label_text}}}"
        else:
            in_name_order = ",".join([f'{k}="{escape_label_value(labels[k])}"' for k in sorted(labels)])
            key = f"{family.name}{{{in_name_order}}}"
        first = self._series_at.get(key)
        if first is not None:
            where = f"item {first[0]}" if first[0] is not None else f"line {first[1]}"
            raise self.error(f"duplicate series: {where} already has metric {family.name!r} with the same labels "
                             f"{labels or '{}'}", at, family.name, "labels")
        self._series_at[key] = (at.item, at.line)
        family.series.append(series)
        return series

    def add_gauge(self, name: str, value: object, labels: Mapping[str, object] | None = None,
                  help: str = "", unit: str | None = None, at: Position = Position()) -> Series:
        if unit is not None:
            self._check_unit(unit, at, name)
            name = exposed_name(name, MetricType.GAUGE, unit) if isinstance(name, str) else name
        family = self._family(name, MetricType.GAUGE, help, at)
        checked = self._labels(labels, MetricType.GAUGE, at, name)
        return self._append(family, Series(checked, value=self.number(value, at, name, "value")), at)

    def add_counter(self, name: str, value: object, labels: Mapping[str, object] | None = None,
                    help: str = "", unit: str | None = None, at: Position = Position()) -> Series:
        self._check_unit(unit, at, name)
        name = exposed_name(name, MetricType.COUNTER, unit) if isinstance(name, str) else name
        family = self._family(name, MetricType.COUNTER, help, at)
        checked = self._labels(labels, MetricType.COUNTER, at, name)
        number = self.number(value, at, name, "value")
        if number < 0 or number != number:
            raise self.error(f"{shown(value)}: a counter is a non-negative total (counters only go up); "
                             "use a gauge for values that can go down", at, name, "value")
        return self._append(family, Series(checked, value=number), at)

    def add_info(self, name: str, info: Mapping[str, object], labels: Mapping[str, object] | None = None,
                 help: str = "", at: Position = Position()) -> Series:
        name = exposed_name(name, MetricType.INFO) if isinstance(name, str) else name
        family = self._family(name, MetricType.INFO, help, at)
        if not isinstance(info, Mapping) or not info:
            raise self.error("an info metric's value must be a non-empty mapping of label name to value",
                             at, name, "value")
        checked = self._labels(labels, MetricType.INFO, at, name)
        extra = self._labels(info, MetricType.INFO, at, name, "value")
        overlap = checked.keys() & extra.keys()
        if overlap:
            raise self.error(f"label {sorted(overlap)[0]!r} is given both in 'labels' and in 'value'",
                             at, name, "value")
        return self._append(family, Series({**checked, **extra}, value=1.0), at)

    def add_summary(self, name: str, count: object, sum: object,
                    quantiles: Mapping[object, object] | None = None,
                    labels: Mapping[str, object] | None = None, help: str = "", unit: str | None = None,
                    at: Position = Position()) -> Series:
        self._check_unit(unit, at, name)
        name = exposed_name(name, MetricType.SUMMARY, unit) if isinstance(name, str) else name
        family = self._family(name, MetricType.SUMMARY, help, at)
        checked = self._labels(labels, MetricType.SUMMARY, at, name)
        total = self._count(count, at, name, "count")
        points = []
        spelled: dict[float, object] = {}
        for q_raw, v_raw in (quantiles or {}).items():
            q = self.number(q_raw, at, name, f"quantiles.{q_raw}")
            if not 0 <= q <= 1:
                raise self.error(f"quantile {shown(q_raw)} must be between 0 and 1", at, name, f"quantiles.{q_raw}")
            if q in spelled:
                raise self.error(f"quantile {shown(q_raw)} is the same quantile as {shown(spelled[q])}", at, name,
                                 f"quantiles.{q_raw}")
            spelled[q] = q_raw
            points.append((q, self.number(v_raw, at, name, f"quantiles.{q_raw}")))
        points.sort()
        return self._append(family, Series(checked, sum=self.number(sum, at, name, "sum"), count=total,
                                           quantiles=tuple(points)), at)

    def add_histogram(self, name: str, buckets: Iterable[object], bucket_counts: Iterable[object],
                      sum: object, count: object, labels: Mapping[str, object] | None = None,
                      help: str = "", unit: str | None = None, at: Position = Position()) -> Series:
        """Buckets are upper bounds; bucket_counts are cumulative (as Prometheus exposes them)."""
        self._check_unit(unit, at, name)
        name = exposed_name(name, MetricType.HISTOGRAM, unit) if isinstance(name, str) else name
        family = self._family(name, MetricType.HISTOGRAM, help, at)
        checked = self._labels(labels, MetricType.HISTOGRAM, at, name)
        bounds = self.bounds(buckets, at, name)
        counts = [self._count(c, at, name, f"bucket_counts[{i}]") for i, c in enumerate(bucket_counts)]
        total = self._count(count, at, name, "count")
        if len(counts) == len(bounds) - 1:
            counts.append(total)  # the +Inf bucket is the count
        if len(counts) != len(bounds):
            raise self.error(f"{len(counts)} bucket counts for {len(bounds) - 1} buckets (+Inf)", at, name,
                             "bucket_counts")
        for i in range(1, len(counts)):
            if counts[i] < counts[i - 1]:
                raise self.error("bucket counts are cumulative and must not decrease "
                                 f"({format_value(counts[i - 1])} then {format_value(counts[i])})",
                                 at, name, f"bucket_counts[{i}]")
        if counts[-1] != total:
            raise self.error(f"count {format_value(total)} differs from the +Inf bucket {format_value(counts[-1])}",
                             at, name, "count")
        return self._append(family, Series(checked, sum=self.number(sum, at, name, "sum"), count=total,
                                           buckets=tuple(zip(bounds, counts))), at)

    def bounds(self, buckets: Iterable[object], at: Position, name: str) -> list[float]:
        """Bucket upper bounds: strictly increasing, no NaN; +Inf is appended when missing."""
        if isinstance(buckets, (str, bytes)) or not isinstance(buckets, Iterable):
            raise self.error("must be a list of bucket upper bounds", at, name, "buckets")
        bounds = [self.number(b, at, name, f"buckets[{i}]") for i, b in enumerate(buckets)]
        for i, bound in enumerate(bounds):
            if bound != bound:
                raise self.error("a bucket bound cannot be NaN", at, name, f"buckets[{i}]")
            if i and bound <= bounds[i - 1]:
                raise self.error("bucket bounds must be strictly increasing", at, name, f"buckets[{i}]")
        if not bounds or bounds[-1] != INF:
            bounds.append(INF)
        return bounds

    def _count(self, raw: object, at: Position, name: str, field_name: str) -> float:
        number = self.number(raw, at, name, field_name)
        if number != number or number < 0 or number == INF:
            raise self.error(f"{shown(raw)}: a count must be a non-negative finite number", at, name, field_name)
        return number

    def _check_unit(self, unit: object, at: Position, name: object) -> None:
        if unit is not None and (not isinstance(unit, str) or not UNIT.fullmatch(unit)):
            raise self.error(f"{shown(unit)} is not a valid unit (letters, digits and '_', e.g. 'seconds', 'bytes')",
                             at, name if isinstance(name, str) else None, "unit")

    # -- serializing -------------------------------------------------------------------------
    def to_exposition(self, extra_labels: Mapping[str, str] | None = None) -> bytes:
        """Prometheus text format 0.0.4; `extra_labels` (already valid) go first on every series."""
        extra = ",".join(f'{k}="{escape_label_value(v)}"' for k, v in (extra_labels or {}).items())
        out: list[str] = []
        append = out.append
        fmt = format_value
        for family in self._families.values():
            name = family.name
            if family.help:
                append(f"# HELP {name} {escape_help(family.help)}")
            kind = family.type
            append(f"# TYPE {name} {_EXPOSED[kind]}")
            if kind in _ONE_SAMPLE and not extra:
                for s in family.series:  # the common case, kept to one f-string per series
                    lt = s.label_text
                    append(f"{name}{{{lt}}} {fmt(s.value)}" if lt else f"{name} {fmt(s.value)}")
                continue
            for s in family.series:
                if extra:
                    lt = f"{extra},{s.label_text}" if s.label_text else extra
                else:
                    lt = s.label_text
                braces = f"{{{lt}}}" if lt else ""
                if kind is MetricType.HISTOGRAM:
                    sep = "," if lt else ""
                    for bound, cumulative in s.buckets:
                        append(f'{name}_bucket{{{lt}{sep}le="{fmt(bound)}"}} {fmt(cumulative)}')
                    append(f"{name}_sum{braces} {fmt(s.sum)}")
                    append(f"{name}_count{braces} {fmt(s.count)}")
                elif kind is MetricType.SUMMARY:
                    sep = "," if lt else ""
                    for q, v in s.quantiles:
                        append(f'{name}{{{lt}{sep}quantile="{fmt(q)}"}} {fmt(v)}')
                    append(f"{name}_sum{braces} {fmt(s.sum)}")
                    append(f"{name}_count{braces} {fmt(s.count)}")
                else:
                    append(f"{name}{braces} {fmt(s.value)}")
        if not out:
            return b""
        append("")
        return "\n".join(out).encode("utf-8")


def histogram_counts(bounds: list[float], observations: Iterable[float]) -> tuple[list[float], float, float]:
    """Cumulative bucket counts, sum and count of raw observations (bounds end with +Inf)."""
    per_bucket = [0.0] * len(bounds)
    total = 0.0
    count = 0.0
    for value in observations:
        for i, bound in enumerate(bounds):
            if value <= bound:
                per_bucket[i] += 1
                break
        total += value
        count += 1
    cumulative = []
    running = 0.0
    for c in per_bucket:
        running += c
        cumulative.append(running)
    return cumulative, total, count
