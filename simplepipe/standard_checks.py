"""`--standard`: how a MetricSet measures up to the standard catalogue, and mapping formats onto it.

check()   reports every metric that uses a standard name with another type, unit or without a
          required label, and every name that looks like a standard one but is not.
map_onto() renames what a foreign format's names mean (Kubeflow `accuracy-score`, Seldon TIMERs)
          to the catalogue's names; Simplepipe and Prometheus files are only checked, never renamed.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TextIO

from simplepipe.errors import InvalidMetricsError
from simplepipe.spec import MetricFamily, MetricSet, MetricType, Position
from simplepipe.standard_catalogue import Catalogue, StandardMetric, catalogue, unit_of

# Formats whose names are mapped onto the catalogue by --standard; the others keep the user's names.
MAPPED_FORMATS = ("kubeflow", "seldon")
# A standard type a family of this type may be turned into when mapped (a Kubeflow gauge holding a count...).
_COMPATIBLE = {
    MetricType.GAUGE: ("gauge", "counter"),
    MetricType.COUNTER: ("counter", "gauge"),
    MetricType.HISTOGRAM: ("histogram",),
}


@dataclass(frozen=True)
class Finding:
    """One way a metric departs from the catalogue; `kind` is type, unit, value, labels or look-alike."""

    kind: str
    source: str
    at: Position
    name: str
    standard: str
    problem: str

    def __str__(self) -> str:
        # The same "file: item (name): field: problem" shape as every other error of Simplepipe.
        field = {"type": "metric_type", "unit": "unit", "labels": "labels", "value": "value"}.get(self.kind, "name")
        return str(InvalidMetricsError(self.problem, source=self.source, item=self.at.item, line=self.at.line,
                                       name=self.name, field=field))


def review(metrics: MetricSet, mode: str, err: TextIO) -> tuple[MetricSet, bool]:
    """What --standard does: map the format, write one line per finding to `err`; (metrics, refused).

    `mode` "warn": findings are warnings; "strict": they are errors and the set is refused.
    """
    metrics = map_onto(metrics, metrics.format)
    findings = check(metrics)
    strict = mode == "strict"
    for finding in findings:
        print(f"simplepipe: {'error' if strict else 'warning'}: {finding}", file=err)
    if strict and findings:
        print(f"simplepipe: error: {metrics.source}: {len(findings)} finding(s) against the standard metrics "
              "(--standard=strict): refused, nothing pushed", file=err)
    return metrics, strict and bool(findings)


def check(metrics: MetricSet, standard: Catalogue | None = None) -> list[Finding]:
    standard = standard or catalogue()
    findings = []
    for family in metrics:
        findings.extend(_check_family(metrics.source, family, standard))
    return findings


def _check_family(source: str, family: MetricFamily, standard: Catalogue) -> list[Finding]:
    name, kind = family.name, family.type.exposed
    at = family.declared_at

    def finding(what: str, entry: StandardMetric, problem: str) -> Finding:
        return Finding(what, source, at, name, entry.name, problem)

    entry = standard.by_name(name) or standard.by_stem(name)
    if entry is not None:
        found = []
        if kind != entry.type:
            found.append(finding("type", entry, f"is a {kind}, but the standard metric {entry.name} is a "
                                                f"{entry.type}; push it as a {entry.type} named {entry.name}"))
        unit = unit_of(name) if name != entry.name else entry.unit
        if unit != entry.unit and name != entry.name:
            wanted = f"unit {entry.unit!r}" if entry.unit else "no unit"
            has = f"has unit {unit!r}" if unit else "has no unit"
            found.append(finding("unit", entry, f"{has}, but the standard metric "
                                                f"{entry.name} has {wanted}; convert the value and name it "
                                                f"{entry.name}"))
        elif name != entry.name and kind == entry.type:
            found.append(finding("look-alike", entry, f"is spelled differently from the standard metric {entry.name}; "
                                                f"name it {entry.name}"))
        if entry.unit == "ratio" and kind == "gauge":
            outside = next((s.value for s in family.series if not 0 <= s.value <= 1), None)
            if outside is not None:
                found.append(finding("value", entry, f"{outside:g} is not a ratio from 0 to 1 (a percentage? "
                                                     "divide it by 100)"))
        for series in family.series:
            missing = [label for label in entry.required_labels if label not in series.labels]
            if missing:
                found.append(finding("labels", entry, f"the standard metric {entry.name} requires label(s) "
                                                      f"{', '.join(missing)}"))
                break
        return found
    similar = standard.look_alike(name)
    if similar is not None:
        entry, labels = similar
        hint = f" with label(s) {', '.join(f'{k}={v!r}' for k, v in labels.items())}" if labels else ""
        return [finding("look-alike", entry, f"looks like the standard metric {entry.name} ({entry.type}"
                                             f"{', ' + entry.unit if entry.unit else ''}); use {entry.name}{hint}")]
    return []


def map_onto(metrics: MetricSet, fmt: str | None, standard: Catalogue | None = None) -> MetricSet:
    """The set with a Kubeflow or Seldon file's names mapped onto the catalogue (other formats: unchanged)."""
    if fmt not in MAPPED_FORMATS:
        return metrics
    standard = standard or catalogue()
    mapped = MetricSet(metrics.source)
    mapped.format = metrics.format
    for family in metrics:
        target, extra = _target(family, fmt, standard)
        for series in family.series:
            labels = dict(series.labels)
            for key, value in extra.items():
                labels.setdefault(key, value)
            _add(mapped, family, series, target, labels)
    return mapped


def _target(family: MetricFamily, fmt: str, standard: Catalogue) -> tuple[StandardMetric | None, dict[str, str]]:
    if standard.by_name(family.name):
        return standard.by_name(family.name), {}
    if fmt == "seldon" and family.type is MetricType.HISTOGRAM:
        # Every Seldon histogram is a TIMER, converted to `<key>_seconds`: one operation of the job.
        timer = standard["operation_duration"]
        key = family.name[: -len("_seconds")] if family.name.endswith("_seconds") else family.name
        return timer, {"operation": key}
    similar = standard.look_alike(family.name)
    if similar is None:
        return None, {}
    entry, labels = similar
    if entry.type not in _COMPATIBLE.get(family.type, ()):
        return None, {}
    if unit_of(family.name) not in ("", entry.unit):
        return None, {}  # values are never converted: `run-time-ms` stays, and the check reports it
    return entry, labels


def _add(mapped: MetricSet, family: MetricFamily, series, target: StandardMetric | None, labels: dict) -> None:
    at = family.declared_at
    name = target.name if target else family.name
    help_text = target.help if target else family.help
    kind = target.type if target else family.type.value
    if kind == "histogram":
        bounds = [b for b, _ in series.buckets]
        counts = [c for _, c in series.buckets]
        mapped.add_histogram(name, bounds, counts, series.sum, series.count, labels, help_text, None, at)
    elif kind == "summary":
        mapped.add_summary(name, series.count, series.sum, dict(series.quantiles), labels, help_text, None, at)
    elif kind == "counter":
        mapped.add_counter(name, series.value, labels, help_text, None, at)
    elif kind == "info":
        mapped.add_info(name, {k: v for k, v in labels.items()}, None, help_text, at)
    else:
        mapped.add_gauge(name, series.value, labels, help_text, None, at)
