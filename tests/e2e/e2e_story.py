"""Given / When / Then for the e2e tests (after argo's test/e2e/fixtures given.go, when.go, then.go).

The fixtures own all waiting, timeouts and logging, so a test body holds only intent:

    given.scenario("alice-app").when().submitted().finished().then().phase_as_expected().expectations_hold()
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from harness.platform import Platform
from harness.prometheus_api import PrometheusClient, PrometheusError
from harness.tenants import Tenant, load_tenants, tenant_by_name
from harness.waiting import NotYet, WaitTimeout, holds_within, wait_until
from harness.workflows import WorkflowRun
from tests.support import e2e_report
from tests.support.promql import prometheus_alerts
from tests.support.scenario import (
    SCENARIOS_DIR,
    ExpectedValue,
    PromQLExpectation,
    Scenario,
    format_value,
    load_scenario,
    load_scenarios,
)

log = logging.getLogger("simplepipe.e2e")

POLL_SECONDS = 0.5
# A check of every dashboard panel sends a few hundred queries: not every half second.
DASHBOARD_POLL_SECONDS = 3.0
# After a workflow finished: long enough for a few scrapes (2 s locally) and a slow cluster.

Series = list[tuple[dict[str, str], float]]


class StopWaiting(Exception):
    """The thing waited for can no longer happen (e.g. the workflow finished first)."""


@dataclass
class Submission:
    tenant: Tenant
    scenario: Scenario
    run: WorkflowRun | None = None
    during_seen: dict[str, str] = field(default_factory=dict)


class Given:
    def __init__(self, platform: Platform, backend: str, *, tenants: list[Tenant] | None = None,
                 scenarios_root: Path = SCENARIOS_DIR):
        """`tenants` and `scenarios_root` default to the repository's platform/tenants.yaml and scenarios/."""
        self.platform = platform
        self.backend = backend
        self.tenants = load_tenants() if tenants is None else tenants
        self.scenarios_root = scenarios_root
        self.submissions: list[Submission] = []
        self._tenant: Tenant | None = None

    def tenant(self, name: str) -> "Given":
        self._tenant = tenant_by_name(name, self.tenants)
        return self

    def workflow(self, scenario_name: str) -> "Given":
        """The scenario's workflow, submitted as the tenant named last."""
        assert self._tenant is not None, "given.tenant(...) comes before .workflow(...)"
        self.submissions.append(Submission(self._tenant, self._load(scenario_name)))
        return self

    def scenario(self, name: str) -> "Given":
        """A scenario as its expect.yaml describes it: its tenant, its workflow."""
        return self.tenant(self._load(name).tenant).workflow(name)

    def every_scenario(self) -> "Given":
        """Every scenario of the scenarios folder, each as its own tenant."""
        for scenario in load_scenarios(self.scenarios_root, tenants=self.tenants):
            self.scenario(scenario.name)
        return self

    def _load(self, name: str) -> Scenario:
        return load_scenario(name, tenants=self.tenants, root=self.scenarios_root)

    def when(self) -> "When":
        return When(self)


class When:
    def __init__(self, given: Given):
        self.given = given
        self.prometheus = given.platform.prometheus()

    def submitted(self) -> "When":
        """Each scenario's WorkflowTemplates applied for its tenant (as `template create`), then its workflow."""
        for submission in self.given.submissions:
            for template in submission.scenario.workflow_templates():
                name = self.given.platform.apply_workflow_template(submission.tenant, template)
                log.info("applied WorkflowTemplate %s of %s as tenant %s", name, submission.scenario.name,
                         submission.tenant.name)
            submission.run = self.given.platform.submit(submission.tenant, submission.scenario.manifest())
            log.info("submitted %s as tenant %s: workflow %s", submission.scenario.name, submission.tenant.name,
                     submission.run.name)
        return self

    def observed_while_running(self) -> "When":
        """Every `during` expectation holds at least once before its workflow finishes."""
        for submission in self.given.submissions:
            self._observe(submission)
        return self

    def _observe(self, submission: Submission) -> None:
        scenario, platform = submission.scenario, self.given.platform
        waiting = {e.query: e for e in scenario.during}
        last: dict[str, str] = {}

        def all_seen() -> bool:
            run = platform.refresh(submission.run)
            for query, expectation in list(waiting.items()):
                try:
                    series = self.prometheus.series(query)
                except PrometheusError as exc:  # keep watching; the deadline decides
                    last[query] = str(exc)
                    continue
                last[query] = _values(series)
                if expectation.mismatch(series, {run.name}) is None:
                    submission.during_seen[query] = last[query]
                    _record(scenario, f"{query} (during)", last[query], expectation.value, True)
                    log.info("%s: seen while running: %s = %s", scenario.name, query, last[query])
                    del waiting[query]
            if waiting and run.finished:
                raise StopWaiting(f"workflow {run.name} finished ({run.phase})")
            return not waiting

        try:
            wait_until(all_seen, timeout=scenario.timeout_seconds, poll=POLL_SECONDS, errors=(),
                       what=f"{scenario.name}'s `during` expectations while workflow {submission.run.name} runs")
        except (WaitTimeout, StopWaiting):
            pass
        for query, expectation in waiting.items():
            _record(scenario, f"{query} (during)", last.get(query, "none"), expectation.value, False)
        assert not waiting, (
            f"{scenario.name}: while workflow {submission.run.name} ran, PromQL never showed "
            + "; ".join(f"{q} in {e.value} (last: {last.get(q, 'none')})" for q, e in waiting.items()))

    def finished(self) -> "When":
        for submission in self.given.submissions:
            submission.run = self.given.platform.wait(submission.run, submission.scenario.timeout_seconds)
            e2e_report.record_run(submission.scenario.name, submission.tenant.name, submission.run)
            log.info("%s: workflow %s finished: %s %s", submission.scenario.name, submission.run.name,
                     submission.run.phase, submission.run.message)
        return self

    def then(self) -> "Then":
        return Then(self.given, self.prometheus)


class Then:
    def __init__(self, given: Given, prometheus: PrometheusClient):
        self.given = given
        self.prometheus = prometheus

    def phase_as_expected(self) -> "Then":
        for submission in self.given.submissions:
            run = submission.run
            assert run.phase == submission.scenario.phase, (
                f"{submission.scenario.name}: workflow {run.name} ended {run.phase} ({run.message}), expected "
                f"{submission.scenario.phase}\n" + _step_logs(run))
        return self

    def expectations_hold(self) -> "Then":
        """Every `expect` of every scenario, from the workflow that just ran, once Prometheus has scraped it."""
        for submission in self.given.submissions:
            for expectation in submission.scenario.expect:
                self._settle(submission.scenario.name, submission.tenant.name, expectation, {submission.run.name})
        return self

    def promql(self, query: str, value: float | None = None, *, min: float | None = None, max: float | None = None,
               labels: dict[str, str] | None = None) -> "Then":
        """One PromQL query; every series it returns has the value and labels, and comes from these runs."""
        expected = ExpectedValue(exact=value) if value is not None else ExpectedValue(min=min, max=max)
        expectation = PromQLExpectation(query, expected, labels or {})
        self._settle(self._story_name(), self._tenants(), expectation, {s.run.name for s in self.given.submissions})
        return self

    def tenants_side_by_side(self, query: str, min: float | None = None, max: float | None = None) -> "Then":
        """One query returns each submitted tenant's series of this run, labelled with its own tenant and namespace."""
        wanted = {s.tenant.name: s for s in self.given.submissions}
        expected = ExpectedValue(min=min, max=max)
        seen: dict[str, tuple[dict[str, str], float]] = {}
        problems: list[str] = []

        def side_by_side() -> bool:
            runs = {s.run.name for s in wanted.values()}
            problems.clear()
            seen.clear()
            try:
                mine = [(labels, v) for labels, v in self.prometheus.series(query)
                        if labels.get("argo_workflow") in runs]
            except PrometheusError as exc:  # keep polling until the deadline
                mine = []
                problems.append(str(exc))
            seen.update({str(labels.get("tenant")): (labels, v) for labels, v in mine})
            if len(mine) != len(wanted):
                problems.append(f"{query} returned {len(mine)} series of runs {sorted(runs)}, expected {len(wanted)}")
            for tenant, submission in wanted.items():
                labels, value = seen.get(tenant, ({}, float("nan")))
                if (labels.get("namespace") != submission.tenant.namespace
                        or labels.get("argo_workflow") != submission.run.name or not expected.matches(value)):
                    problems.append(f"no series of tenant {tenant} from {submission.run.name} in {expected} "
                                    f"(got {labels or 'none'} = {format_value(value)})")
            if problems:
                raise NotYet("; ".join(problems))
            return True

        holds_within(side_by_side, timeout=self.given.platform.settle_seconds, poll=POLL_SECONDS,
                     what=f"{query} to show every tenant's series side by side")
        by_tenant = seen
        for tenant in wanted:
            value = format_value(by_tenant[tenant][1]) if tenant in by_tenant else "none"
            e2e_report.record("administrator", tenant, query, value, str(expected), not problems)
        assert not problems, "; ".join(problems)
        return self

    def every_panel_shows_its_data(self, window_seconds: float = 900.0) -> "Then":
        """Every dashboard panel shows what the submitted scenarios' tenants produce (tests.support.dashboards_live), once
        Prometheus has scraped it."""
        from tests.support.dashboards_live import check_all_panels

        scenarios = [s.scenario for s in self.given.submissions]

        def every_panel() -> bool:
            problems = check_all_panels(self.prometheus, scenarios, window_seconds=window_seconds)
            if problems:
                raise NotYet("\n".join(problems))
            return True

        wait_until(every_panel, timeout=self.given.platform.settle_seconds, poll=DASHBOARD_POLL_SECONDS, errors=(),
                   what="every dashboard panel to show its data")
        return self

    def alert_firing(self, alertname: str, **labels: str) -> "Then":
        """Prometheus fires the alert with these labels, once a rule evaluation has seen the runs' data."""
        def matching() -> list[dict]:
            return [a for a in prometheus_alerts(self.prometheus) if a["state"] == "firing"
                    and a["labels"].get("alertname") == alertname
                    and all(a["labels"].get(k) == v for k, v in labels.items())]

        def found() -> list[dict]:
            if not (alerts := matching()):
                firing = [a["labels"] for a in prometheus_alerts(self.prometheus) if a["state"] == "firing"]
                raise NotYet(f"firing: {firing}")
            return alerts

        wait_until(found, timeout=self.given.platform.settle_seconds, poll=POLL_SECONDS * 2,
                   what=f"{alertname} {labels} to fire")
        return self

    def _settle(self, scenario: str, tenant: str, expectation: PromQLExpectation, runs: set[str]) -> None:
        state: dict = {"series": [], "problem": None}

        def holds() -> bool:
            try:
                series = self.prometheus.series(expectation.query)
                problem = expectation.mismatch(series, runs)
            except PrometheusError as exc:  # e.g. restarting: keep polling until the deadline
                series, problem = [], str(exc)
            state.update(series=series, problem=problem)
            if problem:
                raise NotYet(problem)
            return True

        holds_within(holds, timeout=self.given.platform.settle_seconds, poll=POLL_SECONDS,
                     what=f"{expectation.query} to be {expectation.value}")
        series, problem = state["series"], state["problem"]
        e2e_report.record(scenario, tenant, expectation.query, _values(series), str(expectation.value), problem is None)
        assert problem is None, f"{scenario}: {problem} (waited {self.given.platform.settle_seconds:g} s for Prometheus)"

    def _story_name(self) -> str:
        return "+".join(s.scenario.name for s in self.given.submissions)

    def _tenants(self) -> str:
        return "+".join(dict.fromkeys(s.tenant.name for s in self.given.submissions))


def _values(series: Series) -> str:
    return ", ".join(format_value(v) for _, v in series) or "none"


def _record(scenario: Scenario, query: str, value: str, expected: ExpectedValue, ok: bool) -> None:
    e2e_report.record(scenario.name, scenario.tenant, query, value, str(expected), ok)


def _step_logs(run: WorkflowRun) -> str:
    return "\n".join(f"--- step {s.name} ({s.template}): {s.phase}, exit code {s.exit_code}\n{s.log.rstrip()}"
                     for s in run.steps)
