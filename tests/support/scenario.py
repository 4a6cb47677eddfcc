"""Scenarios: an Argo Workflow (scenarios/<name>/workflow.yaml), the WorkflowTemplates its templateRefs name
(scenarios/<name>/workflowtemplates/*.yaml, optional, one per file) and what PromQL must show (expect.yaml).

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
platform/schemas/config/scenario-expect.schema.json is the format; this module checks what it cannot say.
"""
from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from harness import config_files
from harness.paths import REPO_ROOT
from harness.tenants import TENANTS_FILE, Tenant, TenantsFileError, load_tenants
from harness.workflows import Phase

SCENARIOS_DIR = REPO_ROOT / "scenarios"
# expect.yaml's JSON Schema, beside the platform's configuration schemas (harness.config_files.SCHEMA_DIR).
EXPECT_SCHEMA = "scenario-expect.schema.json"
# The folder of a scenario's WorkflowTemplates.
WORKFLOW_TEMPLATES_DIR = "workflowtemplates"


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

    def mismatch(self, series: list[tuple[dict[str, str], float]], runs: Collection[str] = ()) -> str | None:
        """Why the query result does not meet the expectation; None when it does.

        With `runs`, a series labelled `argo_workflow` must come from one of those workflows (an earlier run's
        value does not count); a series without that label (an aggregate, `absent(...)`, `... or vector(0)`)
        is judged on its value and labels alone."""
        if not series:
            return f"{self.query} returned no series"
        for labels, value in series:
            if not self.value.matches(value):
                return f"{self.query} = {format_value(value)} for {labels}, expected {self.value}"
            wrong = {k: labels.get(k) for k, v in self.labels.items() if labels.get(k) != v}
            if wrong:
                return f"{self.query}: labels {wrong} of {labels}, expected {self.labels}"
        others = sorted({labels["argo_workflow"] for labels, _ in series
                         if runs and "argo_workflow" in labels and labels["argo_workflow"] not in runs})
        if others:
            return f"{self.query}: series of workflow(s) {others}, expected only of {sorted(runs)}"
        return None


@dataclass(frozen=True)
class Scenario:
    name: str
    directory: Path
    tenant: str
    description: str
    timeout_seconds: float
    phase: Phase
    during: tuple[PromQLExpectation, ...]
    expect: tuple[PromQLExpectation, ...]

    @property
    def workflow_file(self) -> Path:
        return self.directory / "workflow.yaml"

    @property
    def workflow_template_files(self) -> list[Path]:
        """workflowtemplates/*.yaml in name order, the order they are applied in: a template another one's
        templateRef names must come first, as on Argo's server."""
        return sorted((self.directory / WORKFLOW_TEMPLATES_DIR).glob("*.yaml"))

    def manifest(self) -> dict:
        """A fresh copy of the Argo Workflow manifest."""
        return _argo_object(self.workflow_file, "Workflow")

    def workflow_templates(self) -> list[dict]:
        """Fresh copies of the WorkflowTemplates the scenario ships, to apply for its tenant before it submits."""
        return [_argo_object(path, "WorkflowTemplate") for path in self.workflow_template_files]


def _argo_object(path: Path, kind: str) -> dict:
    """The one Argo object of `kind` in the file; ScenarioError naming the file otherwise."""
    try:
        documents = [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
    except (OSError, yaml.YAMLError) as exc:
        raise ScenarioError(f"{path}: cannot read the {kind}: {exc}") from exc
    if len(documents) != 1 or not isinstance(documents[0], dict) or documents[0].get("kind") != kind:
        raise ScenarioError(f"{path}: must be one Argo {kind} (kind: {kind}), one per file")
    return documents[0]


def _expected_value(value: float | dict, where: str) -> ExpectedValue:
    if not isinstance(value, dict):
        return ExpectedValue(exact=float(value))
    low, high = value.get("min"), value.get("max")
    # What the schema cannot say: a range that nothing can fall into.
    if low is not None and high is not None and low > high:
        raise ScenarioError(f"{where}: min {low:g} is greater than max {high:g}")
    return ExpectedValue(min=None if low is None else float(low), max=None if high is None else float(high))


def _expectations(entries: list[dict] | None, where: str) -> tuple[PromQLExpectation, ...]:
    return tuple(
        PromQLExpectation(query=entry["query"], value=_expected_value(entry["value"], f"{where}[{index}].value"),
                          labels={str(k): str(v) for k, v in (entry.get("labels") or {}).items()})
        for index, entry in enumerate(entries or ()))


def _tenant_names(tenants: list[Tenant] | Path | str | None, where: str) -> tuple[list[str], str]:
    """The names a scenario's tenant may have, and where they come from (for the error)."""
    if tenants is not None and not isinstance(tenants, (Path, str)):
        return [t.name for t in tenants], "the platform's tenants"
    path = TENANTS_FILE if tenants is None else Path(tenants)
    try:
        return [t.name for t in load_tenants(path)], config_files.shown(path)
    except TenantsFileError as exc:
        raise ScenarioError(f"{where}: cannot check the tenant: {exc}") from exc


def load_scenario(directory: Path | str, *, tenants: list[Tenant] | Path | str | None = None,
                  root: Path | str = SCENARIOS_DIR) -> Scenario:
    """The scenario in `directory`, or in `root`/<name> when given a name; its tenant must be one of `tenants`
    (a list, or a tenants file; default platform/tenants.yaml)."""
    directory = Path(directory)
    if not directory.is_dir():
        directory = Path(root) / str(directory)
    expect_file = directory / "expect.yaml"
    data = config_files.load(expect_file, EXPECT_SCHEMA, ScenarioError)
    where = config_files.shown(expect_file)
    known, source = _tenant_names(tenants, where)
    if data["tenant"] not in known:
        raise ScenarioError(f"{where}: tenant: {data['tenant']!r} is not in {source} ({', '.join(known)})")
    scenario = Scenario(name=directory.name, directory=directory, tenant=data["tenant"],
                        description=data.get("description", ""),
                        timeout_seconds=float(data.get("timeout_seconds", 120)),
                        phase=Phase(data.get("phase", Phase.SUCCEEDED)),
                        during=_expectations(data.get("during"), f"{where}: during"),
                        expect=_expectations(data["expect"], f"{where}: expect"))
    if not scenario.workflow_file.is_file():
        raise ScenarioError(f"{config_files.shown(scenario.workflow_file)}: missing; "
                            "a scenario is workflow.yaml + expect.yaml")
    return scenario


def load_scenarios(root: Path | str = SCENARIOS_DIR, *,
                   tenants: list[Tenant] | Path | str | None = None) -> list[Scenario]:
    """Every scenario under `root` (a folder with an expect.yaml), sorted by name."""
    return [load_scenario(d, tenants=tenants, root=root)
            for d in sorted(Path(root).iterdir()) if (d / "expect.yaml").is_file()]
