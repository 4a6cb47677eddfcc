"""What `get`, `list` and `--watch` print, measured against Argo's own CLI (v4.0.6): its columns, connectors and
durations, here on node names as Argo gives them (steps, step groups, DAG tasks, retries, loop items, onExit)."""
from __future__ import annotations

import pytest

from harness.workflow_view import (display_name, get_lines, list_lines, long_duration, parent_of, short_duration,
                                   tree_rows)
from harness.workflows import Phase, StepResult, WorkflowRun

T = 1_700_000_000.0


def step(name: str, template: str, phase: Phase, start: float | None, end: float | None, **kw) -> StepResult:
    return StepResult(name, template, phase, 0 if phase == Phase.SUCCEEDED else None, started_at=start,
                      finished_at=end, **kw)


def tree(run: WorkflowRun) -> list[str]:
    return [row[0] for row in tree_rows(run, now=T + 100)[1:]]


# Argo's util/humanize tests: RelativeDurationShort and Duration.
@pytest.mark.parametrize("seconds, short", [(0, "0s"), (0.9, "0s"), (1, "1s"), (59, "59s"), (60, "1m"), (119, "1m"),
                                            (5400, "1h"), (3600 * 30, "1d"), (86400 * 3, "3d")])
def test_short_durations_are_argos(seconds, short):
    assert short_duration(T, T + seconds) == short


@pytest.mark.parametrize("seconds, long", [(1, "1 second"), (0, "0 seconds"), (59, "59 seconds"),
                                           (60, "1 minute 0 seconds"), (90, "1 minute 30 seconds"),
                                           (3600, "1 hour 0 minutes"), (7200, "2 hours 0 minutes"),
                                           (86400, "1 day 0 hours")])
def test_long_durations_are_argos(seconds, long):
    assert long_duration(seconds) == long


def test_a_running_node_counts_up_to_now():
    assert short_duration(T, None, now=T + 5) == "5s"


@pytest.mark.parametrize("name, parent", [
    ("wf[0]", ("wf", "Steps")), ("wf[0].a", ("wf[0]", "StepGroup")), ("wf.task", ("wf", "DAG")),
    ("wf[1].a(0)", ("wf[1].a", "Retry")), ("wf[1].a(2:x.y)", ("wf[1]", "StepGroup")),
    ("wf.t(0:a)", ("wf.t", "TaskGroup")), ("wf[0].inner[1].leaf", ("wf[0].inner[1]", "StepGroup")), ("wf", None),
])
def test_a_nodes_parent_is_read_from_its_name(name, parent):
    assert parent_of(name) == parent


def test_display_names_are_the_last_part_and_an_attempt_keeps_its_step():
    assert [display_name(n) for n in ("wf[0].a", "wf.task", "wf[1].a(0)", "wf[1].a(2:x.y)", "wf")] == \
        ["a", "task", "a(0)", "a(2:x.y)", "wf"]


def test_steps_draw_as_argo_get_draws_them():
    run = WorkflowRun("wf", "alice", Phase.SUCCEEDED, entrypoint="main", steps=[
        step("wf[0].hello1", "whalesay", Phase.SUCCEEDED, T, T + 6),
        step("wf[1].hello2a", "whalesay", Phase.SUCCEEDED, T + 7, T + 12),
        step("wf[1].hello2b", "whalesay", Phase.SUCCEEDED, T + 7, T + 12)])
    # argo's docs (walk-through/steps): one step in a group, then two in parallel.
    assert tree(run) == [" ✔ wf", " ├───✔ hello1", " └─┬─✔ hello2a", "   └─✔ hello2b"]


def test_a_dag_omits_what_did_not_run_and_a_retry_shows_its_attempts():
    run = WorkflowRun("wf", "bob", Phase.FAILED, entrypoint="main", steps=[
        step("wf.a", "t", Phase.SUCCEEDED, T, T + 1),
        step("wf.b(0)", "t", Phase.FAILED, T + 2, T + 3, message="Error (exit code 1)"),
        step("wf.b(1)", "t", Phase.FAILED, T + 4, T + 5),
        step("wf.c", "t", Phase.OMITTED, None, None)])
    assert tree(run) == [" ✖ wf", " ├─✔ a", " └─✖ b", "   ├─✖ b(0)", "   └─✖ b(1)"]


def test_a_retry_with_one_attempt_and_the_exit_handler():
    run = WorkflowRun("wf", "alice", Phase.SUCCEEDED, entrypoint="main", steps=[
        step("wf[0].a(0)", "t", Phase.SUCCEEDED, T, T + 1), step("wf.onExit", "exit", Phase.SUCCEEDED, T + 2, T + 3)])
    assert tree(run) == [" ✔ wf", " └───✔ a(0)", "", " ✔ onExit"]


def test_get_has_argos_fields_and_columns():
    run = WorkflowRun("wf", "alice", Phase.FAILED, message="Error (exit code 1)", namespace="alice",
                      created_at=T, started_at=T + 1, finished_at=T + 9, entrypoint="main",
                      parameters={"job": "alice-app"}, steps=[
                          step("wf", "main", Phase.FAILED, T + 1, T + 9, message="Error (exit code 1)")])
    lines = get_lines(run, now=T + 10)
    assert lines[:4] == ["Name:                wf", "Namespace:           alice",
                         "ServiceAccount:      unset (will run with the default ServiceAccount)",
                         "Status:              Failed"]
    assert "Duration:            8 seconds" in lines and "Progress:            1/1" in lines
    assert lines[lines.index("Parameters:") + 1] == "  job:               alice-app"
    assert lines[-2:] == ["STEP   TEMPLATE  PODNAME  DURATION  MESSAGE",
                          " ✖ wf  main      wf       8s        Error (exit code 1)"]


def test_list_is_argos_table():
    run = WorkflowRun("my-wf", "alice", Phase.RUNNING, message="test-message", created_at=T, started_at=T,
                      finished_at=T + 3)
    # Argo's util/printer/workflow-printer_test.go (priority 0 here: Simplepipe sets none).
    assert list_lines([run], now=T) == ["NAME    STATUS    AGE   DURATION   PRIORITY   MESSAGE",
                                        "my-wf   Running   0s    3s         0          test-message"]
    assert list_lines([]) == ["No workflows found"]
