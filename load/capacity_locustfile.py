"""Locust users of the capacity shape: PUT Simplepipe's pre-rendered request to one tenant's gateway.

Every user pushes to its own group. Two phases, each one Locust run, chosen by the plan's `mode`:
throughput (users push again as soon as they are answered; the shape steps the number of users up) and
bisection (each user pushes at a constant rate; the shape bisects the offered rate for the p99 bound,
load.capacity_search). Started by `python -m load.run`, which writes the capacity plan.
"""
from __future__ import annotations

import itertools
import json
import math
import random
import time
from pathlib import Path

import gevent
from locust import LoadTestShape, constant, constant_throughput, events, task
from locust.contrib.fasthttp import FastHttpUser

from load.capacity_plan import BISECTION, REQUEST_NAME, THROUGHPUT, CapacityPlan, step_seconds_range, verdict
from load.capacity_search import Bisection, ConcurrencySteps, Probe
from load.timeline import TimelineRecorder, read_timelines

PLAN = CapacityPlan.from_env()
BODY = Path(PLAN.body_file).read_bytes()
# Saved every second, so the shape (in the master) can judge a step from every process's numbers.
TIMELINE = TimelineRecorder(Path(PLAN.out_dir), save_every=1.0)
STEPS_FILE = Path(PLAN.out_dir) / f"capacity-{PLAN.mode}-steps.json"
SPAWNED = itertools.count()


class CapacityPush(FastHttpUser):
    host = PLAN.host
    wait_time = constant(0) if PLAN.mode == THROUGHPUT else constant_throughput(PLAN.per_user_rate)
    network_timeout = PLAN.timeout
    connection_timeout = PLAN.timeout

    def on_start(self) -> None:
        worker = getattr(self.environment.runner, "worker_index", 0) or 0
        slot = worker * PLAN.users_per_process + next(SPAWNED) % PLAN.users_per_process
        self.path = PLAN.paths[slot % len(PLAN.paths)]
        if PLAN.mode == BISECTION:
            # Users started in the same second would otherwise push in lockstep: bursts, not a rate.
            gevent.sleep(random.uniform(0, 1 / PLAN.per_user_rate))

    @task
    def push(self) -> None:
        self.client.request("PUT", self.path, data=BODY, headers=PLAN.headers, name=REQUEST_NAME)


def _window(step: dict):
    first, last = step_seconds_range(step["start"], step["end"])
    return first, last, read_timelines(Path(PLAN.out_dir)).window(first, last, [REQUEST_NAME])


class CapacitySteps(LoadTestShape):
    """Runs one probe for `step_seconds`, keeps its users while every process's timeline catches up
    (`report_lag_seconds`), judges it by the same rule as the report, then asks the search what next."""

    def __init__(self) -> None:
        super().__init__()
        self.search = ConcurrencySteps(PLAN.concurrency) if PLAN.mode == THROUGHPUT else \
            Bisection(PLAN.high, PLAN.precision, PLAN.max_probes)
        self.steps: list[dict] = []

    def tick(self):
        now = time.time()
        if not self.steps:
            return self._begin(self.search.first(), now)
        current = self.steps[-1]
        if current["end"] is None and now - current["start"] >= PLAN.step_seconds:
            current["end"] = current["start"] + PLAN.step_seconds
            self._save()
        if current["end"] is not None and now >= current["end"] + PLAN.report_lag_seconds:
            probe = self._judge(current)
            if probe is None:
                return None
            return self._begin(probe, now)
        return current["users"], max(current["users"], 1)

    def _begin(self, probe: Probe, now: float):
        users = int(probe.rate) if PLAN.mode == THROUGHPUT else max(1, math.ceil(probe.rate / PLAN.per_user_rate))
        self.steps.append({"rate": probe.rate, "users": users, "start": now, "end": None, "repeat": probe.repeat})
        self._save()
        return users, users  # all of a step's users start within a second

    def _judge(self, step: dict) -> Probe | None:
        first, last, window = _window(step)
        seconds = max(last - first, 1)
        step["pushes"], step["failures"] = window.pushes, window.failures
        if PLAN.mode == THROUGHPUT:
            step["verdict"] = "errors" if window.failures else f"{window.pushes / seconds:.1f}/s"
            self._save()
            return self.search.after(Probe(step["rate"], step["repeat"]), window.failures)
        step["verdict"] = verdict(window.pushes, window.failures, window.percentile(0.99), seconds, step["rate"],
                                  PLAN.p99_bound_ms, PLAN.saturation)
        self._save()
        return self.search.after(Probe(step["rate"], step["repeat"]), step["verdict"])

    def _save(self) -> None:
        STEPS_FILE.write_text(json.dumps(self.steps, indent=1))


@events.request.add_listener
def _record(name, response_time, exception, **_kwargs) -> None:
    TIMELINE.record(name, response_time, exception is not None)


@events.test_stop.add_listener
def _save_at_stop(environment, **_kwargs) -> None:
    TIMELINE.save()
    shape = environment.shape_class
    if isinstance(shape, CapacitySteps) and shape.steps:
        if shape.steps[-1]["end"] is None:
            shape.steps[-1]["end"] = time.time()
        shape._save()


@events.quitting.add_listener
def _save_at_exit(**_kwargs) -> None:
    TIMELINE.save()
