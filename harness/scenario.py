"""Scenarios: an Argo Workflow (scenarios/<name>/workflow.yaml) and what PromQL must show (expect.yaml).

expect.yaml:
    tenant: alice                  # a tenant of platform/tenants.yaml
    description: one line
    timeout_seconds: 120           # for the workflow to finish
    phase: Succeeded               # the workflow's expected final phase
    during:                        # optional: must hold at least once while the workflow runs
      - query: 'training_epoch{tenant="alice"}'
        value: {min: 1, max: 7}
    expect:                        # must hold after it finished (polled until a scrape shows it)
      - query: 'application_run_time_seconds{tenant="alice", job="alice-app"}'
        value: {min: 0.05, max: 60}    # or an exact number: `value: 42`
        labels: {tenant: alice, namespace: alice, job: alice-app}
A query must return at least one series, and every series it returns must have the value and labels.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from harness.tenants import REPO_ROOT, TenantsFileError, load_tenants

SCENARIOS_DIR = REPO_ROOT / "scenarios"
PHASES = ("Succeeded", "Failed", "Error")


class ScenarioError(ValueError):
    """A scenario's files are missing or not in the format above; the message names file and field."""


def format_value(value: float) -> str:
    """Short, but whole seconds for Unix timestamps (1.79568e+09 hides the time)."""
    return f"{value:.0f}" if abs(value) >= 1e6 else f"{value:.6g}"


@dataclass(frozen=True)
class ExpectedValue:
    """An exact value, or a closed range with either end open."""

    exact: float | None = None
    min: float | None = None
    max: float | None = None

    def matches(self, value: float) -> bool:
        if math.isnan(value):
            return False
        if self.exact is not None:
            return math.isclose(value, self.exact, rel_tol=1e-9, abs_tol=1e-9)
        return (self.min is None or value >= self.min) and (self.max is None or value <= self.max)

    def __str__(self) -> str:
        if self.exact is not None:
            return format_value(self.exact)
        low = "-inf" if self.min is None else format_value(self.min)
        high = "+inf" if self.max is None else format_value(self.max)
        return f"[{low}, {high}]"


@dataclass(frozen=True)
class PromQLExpectation:
    query: str
    value: ExpectedValue
    labels: dict[str, str] = field(default_factory=dict)

    def mismatch(self, series: list[tuple[dict[str, str], float]]) -> str | None:
        """Why the query result does not meet the expectation; None when it does."""
        if not series:
            return f"{self.query} returned no series"
        for labels, value in series:
            if not self.value.matches(value):
                return f"{self.query} = {format_value(value)} for {labels}, expected {self.value}"
            wrong = {k: labels.get(k) for k, v in self.labels.items() if labels.get(k) != v}
            if wrong:
                return f"{self.query}: labels {wrong} of {labels}, expected {self.labels}"
        return None


@dataclass(frozen=True)
class Scenario:
    name: str
    directory: Path
    tenant: str
    description: str
    timeout_seconds: float
    phase: str
    during: tuple[PromQLExpectation, ...]
    expect: tuple[PromQLExpectation, ...]

    @property
    def workflow_file(self) -> Path:
        return self.directory / "workflow.yaml"

    def manifest(self) -> dict:
        """A fresh copy of the Argo Workflow manifest."""
        try:
            manifest = yaml.safe_load(self.workflow_file.read_text())
        except (OSError, yaml.YAMLError) as exc:
            raise ScenarioError(f"{self.workflow_file}: cannot read the workflow: {exc}") from exc
        if not isinstance(manifest, dict):
            raise ScenarioError(f"{self.workflow_file}: must be an Argo Workflow mapping")
        return manifest


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ScenarioError(f"{where}: must be a number, got {value!r}")
    return float(value)


def _expected_value(value: Any, where: str) -> ExpectedValue:
    if isinstance(value, dict):
        unknown = set(value) - {"min", "max"}
        if unknown or not value:
            raise ScenarioError(f"{where}: a range has min and/or max, got {sorted(value)}")
        low = _number(value["min"], f"{where}.min") if "min" in value else None
        high = _number(value["max"], f"{where}.max") if "max" in value else None
        if low is not None and high is not None and low > high:
            raise ScenarioError(f"{where}: min {low:g} is greater than max {high:g}")
        return ExpectedValue(min=low, max=high)
    return ExpectedValue(exact=_number(value, where))


def _expectations(entries: Any, where: str) -> tuple[PromQLExpectation, ...]:
    if entries is None:
        return ()
    if not isinstance(entries, list):
        raise ScenarioError(f"{where}: must be a list of {{query, value, labels}}")
    parsed = []
    for index, entry in enumerate(entries):
        at = f"{where}[{index}]"
        if not isinstance(entry, dict):
            raise ScenarioError(f"{at}: must be a mapping with query, value and optional labels")
        unknown = set(entry) - {"query", "value", "labels"}
        if unknown:
            raise ScenarioError(f"{at}: unknown field(s) {sorted(unknown)}; allowed: query, value, labels")
        query = entry.get("query")
        if not isinstance(query, str) or not query.strip():
            raise ScenarioError(f"{at}.query: must be a PromQL expression")
        if "value" not in entry:
            raise ScenarioError(f"{at}.value: is required (a number or {{min, max}})")
        labels = entry.get("labels") or {}
        if not isinstance(labels, dict) or not all(isinstance(v, (str, int)) for v in labels.values()):
            raise ScenarioError(f"{at}.labels: must map label names to values")
        parsed.append(PromQLExpectation(query=query, value=_expected_value(entry["value"], f"{at}.value"),
                                        labels={str(k): str(v) for k, v in labels.items()}))
    return tuple(parsed)


def load_scenario(directory: Path | str) -> Scenario:
    directory = Path(directory)
    if not directory.is_dir():
        directory = SCENARIOS_DIR / str(directory)
    expect_file = directory / "expect.yaml"
    try:
        data = yaml.safe_load(expect_file.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise ScenarioError(f"{expect_file}: cannot read: {exc}") from exc
    if not isinstance(data, dict):
        raise ScenarioError(f"{expect_file}: must be a mapping")
    where = str(expect_file)
    unknown = set(data) - {"tenant", "description", "timeout_seconds", "phase", "during", "expect"}
    if unknown:
        raise ScenarioError(f"{where}: unknown field(s) {sorted(unknown)}")
    tenant = data.get("tenant")
    try:
        known = [t.name for t in load_tenants()]
    except TenantsFileError as exc:
        raise ScenarioError(f"{where}: cannot check the tenant: {exc}") from exc
    if tenant not in known:
        raise ScenarioError(f"{where}: tenant: {tenant!r} is not in platform/tenants.yaml ({', '.join(known)})")
    phase = data.get("phase", "Succeeded")
    if phase not in PHASES:
        raise ScenarioError(f"{where}: phase: {phase!r} must be one of {', '.join(PHASES)}")
    timeout = _number(data.get("timeout_seconds", 120), f"{where}: timeout_seconds")
    if timeout <= 0:
        raise ScenarioError(f"{where}: timeout_seconds: must be positive")
    expect = _expectations(data.get("expect"), f"{where}: expect")
    if not expect:
        raise ScenarioError(f"{where}: expect: a scenario needs at least one PromQL expectation")
    scenario = Scenario(name=directory.name, directory=directory, tenant=tenant,
                        description=str(data.get("description", "")), timeout_seconds=timeout, phase=phase,
                        during=_expectations(data.get("during"), f"{where}: during"), expect=expect)
    if not scenario.workflow_file.is_file():
        raise ScenarioError(f"{scenario.workflow_file}: missing; a scenario is workflow.yaml + expect.yaml")
    return scenario


def load_scenarios(root: Path = SCENARIOS_DIR) -> list[Scenario]:
    return [load_scenario(d) for d in sorted(Path(root).iterdir()) if (d / "expect.yaml").is_file()]
