"""The standard metrics catalogue (simplepipe/standard.yaml): the names applications, checks, dashboards share."""
from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import yaml

from simplepipe.errors import SimplepipeError

CATALOGUE_FILE = Path(__file__).resolve().parent / "standard.yaml"
TYPES = ("gauge", "counter", "histogram")
# Unit words a name may end with; a standard name's stem is its name without `_total` and these.
UNIT_SUFFIXES = ("seconds", "milliseconds", "microseconds", "minutes", "hours", "days", "ms", "secs", "s",
                 "bytes", "kilobytes", "megabytes", "gigabytes", "kb", "mb", "gb", "ratio", "percent", "pct",
                 "percentage", "celsius", "meters", "volts", "amperes", "joules", "grams")
ENTRY_FIELDS = ("id", "name", "type", "unit", "help", "question", "labels", "provenance", "look_alike", "panel")
REQUIRED_FIELDS = ("id", "name", "type", "unit", "help", "question", "labels", "provenance")


class CatalogueError(SimplepipeError):
    """standard.yaml holds something the catalogue cannot be built from (names the entry and field)."""


@dataclass(frozen=True)
class PanelHint:
    """A column of the dashboards' per-job table: its header and the Grafana unit of its values."""

    header: str
    unit: str


@dataclass(frozen=True)
class StandardMetric:
    id: str
    name: str
    type: str
    unit: str
    help: str
    question: str
    required_labels: tuple[str, ...]
    optional_labels: tuple[str, ...]
    provenance: str
    look_alike: tuple[re.Pattern, ...] = ()
    panel: PanelHint | None = None

    @property
    def stem(self) -> str:
        """The name without `_total` and without its unit suffix: what a variant with another unit shares."""
        return stem(self.name, self.unit)

    @property
    def labels(self) -> tuple[str, ...]:
        return self.required_labels + self.optional_labels

    def sample_names(self) -> tuple[str, ...]:
        if self.type == "histogram":
            return (f"{self.name}_bucket", f"{self.name}_sum", f"{self.name}_count")
        return (self.name,)

    def looks_like(self, normalized: str) -> dict[str, str] | None:
        """Labels captured by the first look-alike pattern `normalized` matches; None if none matches."""
        for pattern in self.look_alike:
            match = pattern.fullmatch(normalized)
            if match:
                return {k: v for k, v in match.groupdict().items() if v}
        return None

    def as_dict(self) -> dict:
        """The entry as `simplepipe standard --format json` prints it."""
        entry = {
            "id": self.id, "name": self.name, "type": self.type, "unit": self.unit, "help": self.help,
            "question": self.question,
            "labels": {"required": list(self.required_labels), "optional": list(self.optional_labels)},
            "provenance": self.provenance,
            "look_alike": [p.pattern for p in self.look_alike],
        }
        if self.panel:
            entry["panel"] = {"header": self.panel.header, "unit": self.panel.unit}
        return entry


@dataclass(frozen=True)
class PlatformMetric:
    """A series the platform produces itself (Pushgateway, Prometheus): applications never push it."""

    name: str
    type: str
    source: str
    help: str


class Catalogue:
    def __init__(self, metrics: list[StandardMetric], platform: list[PlatformMetric], source: str) -> None:
        self.metrics = metrics
        self.platform = platform
        self.source = source
        self._by_id = {m.id: m for m in metrics}
        self._by_name = {m.name: m for m in metrics}
        self._by_stem = {m.stem: m for m in metrics}

    def __iter__(self) -> Iterator[StandardMetric]:
        return iter(self.metrics)

    def __len__(self) -> int:
        return len(self.metrics)

    def __getitem__(self, metric_id: str) -> StandardMetric:
        """The entry with this id (`run_time`, `job_success`...): what code refers to."""
        try:
            return self._by_id[metric_id]
        except KeyError:
            raise KeyError(f"no standard metric with id {metric_id!r} in {self.source}") from None

    def by_name(self, name: str) -> StandardMetric | None:
        return self._by_name.get(name)

    def by_stem(self, name: str) -> StandardMetric | None:
        """The entry whose stem this name has (the same metric with another unit or type suffix)."""
        return self._by_stem.get(stem(name))

    def look_alike(self, name: str) -> tuple[StandardMetric, dict[str, str]] | None:
        """The first entry (in catalogue order) a non-standard name looks like, with the labels it implies."""
        normalized = normalize(name)
        for metric in self.metrics:
            labels = metric.looks_like(normalized)
            if labels is not None:
                return metric, labels
        return None

    def with_panel(self) -> list[StandardMetric]:
        return [m for m in self.metrics if m.panel]

    def as_json(self) -> str:
        """The entries as a JSON list (`simplepipe standard --format json`)."""
        return json.dumps([m.as_dict() for m in self.metrics], indent=2) + "\n"

    def table(self) -> str:
        """The catalogue as an aligned text table (name, type, unit, labels, question)."""
        rows = [("NAME", "TYPE", "UNIT", "LABELS", "QUESTION")]
        for m in self.metrics:
            labels = ", ".join([*m.required_labels, *(f"[{label}]" for label in m.optional_labels)])
            rows.append((m.name, m.type, m.unit or "-", labels or "-", m.question))
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
        return "\n".join("  ".join([*(cell.ljust(w) for cell, w in zip(row, widths)), row[-1]]) for row in rows) + "\n"


def normalize(name: str) -> str:
    """A name as look-alike patterns see it: lower case, '-', '.' and ' ' as '_' (Kubeflow, OpenTelemetry)."""
    return re.sub(r"[-. ]", "_", name.strip().lower())


def stem(name: str, unit: str | None = None) -> str:
    """`name` without `_total` and a unit suffix (`unit` if given, else any known one)."""
    base = name[: -len("_total")] if name.endswith("_total") else name
    units = (unit,) if unit else (() if unit == "" else UNIT_SUFFIXES)
    for suffix in units:
        if base.endswith(f"_{suffix}") and len(base) > len(suffix) + 1:
            return base[: -len(suffix) - 1]
    return base


def unit_of(name: str) -> str:
    """The unit suffix a name carries ("" for none)."""
    base = name[: -len("_total")] if name.endswith("_total") else name
    for suffix in UNIT_SUFFIXES:
        if base.endswith(f"_{suffix}") and len(base) > len(suffix) + 1:
            return suffix
    return ""


@functools.lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    """The catalogue shipped with Simplepipe (read once)."""
    return load_catalogue(CATALOGUE_FILE)


def load_catalogue(path: Path) -> Catalogue:
    source = str(path)
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CatalogueError(f"{source}: cannot read the catalogue: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("metrics"), list):
        raise CatalogueError(f"{source}: expected a mapping with a 'metrics' list")
    metrics = [_entry(source, index, raw) for index, raw in enumerate(data["metrics"])]
    for field in ("id", "name"):
        seen: set[str] = set()
        for metric in metrics:
            value = getattr(metric, field)
            if value in seen:
                raise CatalogueError(f"{source}: metric {metric.name!r}: field {field!r}: {value!r} appears twice")
            seen.add(value)
    platform = []
    for index, raw in enumerate(data.get("platform") or []):
        if not isinstance(raw, dict) or not all(isinstance(raw.get(k), str) for k in ("name", "type", "source", "help")):
            raise CatalogueError(f"{source}: platform item {index}: needs string fields name, type, source, help")
        platform.append(PlatformMetric(raw["name"], raw["type"], raw["source"], raw["help"]))
    return Catalogue(metrics, platform, source)


def _entry(source: str, index: int, raw: object) -> StandardMetric:
    def fail(problem: str, field: str | None = None) -> CatalogueError:
        name = raw.get("name") if isinstance(raw, dict) else None
        where = f"metrics item {index}" + (f" (name {name!r})" if name else "")
        return CatalogueError(f"{source}: {where}: " + (f"field {field!r}: " if field else "") + problem)

    if not isinstance(raw, dict):
        raise fail("expected a mapping")
    unknown = sorted(set(raw) - set(ENTRY_FIELDS))
    if unknown:
        raise fail(f"unknown field (known: {', '.join(ENTRY_FIELDS)})", unknown[0])
    for field in REQUIRED_FIELDS:
        if field not in raw:
            raise fail("is missing", field)
    for field in ("id", "name", "type", "unit", "help", "question", "provenance"):
        if not isinstance(raw[field], str):
            raise fail("must be a string", field)
    if raw["type"] not in TYPES:
        raise fail(f"{raw['type']!r} is not one of {', '.join(TYPES)}", "type")
    labels = raw["labels"]
    if not isinstance(labels, dict) or set(labels) - {"required", "optional"} or not all(
            isinstance(v, list) and all(isinstance(x, str) for x in v) for v in labels.values()):
        raise fail("must be {required: [names], optional: [names]}", "labels")
    patterns = []
    for i, text in enumerate(raw.get("look_alike") or []):
        try:
            patterns.append(re.compile(str(text)))
        except re.error as exc:
            raise fail(f"not a regular expression: {exc}", f"look_alike[{i}]") from None
    panel = raw.get("panel")
    if panel is not None:
        if not isinstance(panel, dict) or set(panel) != {"header", "unit"} or not all(
                isinstance(v, str) for v in panel.values()):
            raise fail("must be {header: text, unit: Grafana unit}", "panel")
        panel = PanelHint(panel["header"], panel["unit"])
    return StandardMetric(
        id=raw["id"], name=raw["name"], type=raw["type"], unit=raw["unit"], help=raw["help"],
        question=raw["question"], required_labels=tuple(labels.get("required", [])),
        optional_labels=tuple(labels.get("optional", [])), provenance=raw["provenance"],
        look_alike=tuple(patterns), panel=panel)
