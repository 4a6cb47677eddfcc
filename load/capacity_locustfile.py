"""Locust users of the capacity shape: PUT Simplepipe's pre-rendered request to one tenant's gateway.

Every user pushes at a constant rate to its own group; the shape (`RateSteps`) raises the number of
users step by step, so the offered rate climbs, and stops once a step passed the p99 bound, saw an
error, or could not reach its rate. Started by `python -m load.run`, which writes the capacity plan.
"""
from __future__ import annotations

import itertools
import json
import math
import random
import time
from pathlib import Path

import gevent
from locust import LoadTestShape, constant_throughput, events, task
from locust.contrib.fasthttp import FastHttpUser

from load.capacity_plan import CUT_SHORT, REQUEST_NAME, WITHIN, CapacityPlan, step_seconds_range, verdict
from load.timeline import TimelineRecorder, read_timelines

PLAN = CapacityPlan.from_env()
BODY = Path(PLAN.body_file).read_bytes()
# Saved every second, so the shape (in the master) can judge a step from every process's numbers.
TIMELINE = TimelineRecorder(Path(PLAN.out_dir), save_every=1.0)
STEPS_FILE = Path(PLAN.out_dir) / "capacity-steps.json"
SPAWNED = itertools.count()


class CapacityPush(FastHttpUser):
    host = PLAN.host
    wait_time = constant_throughput(PLAN.per_user_rate)
    network_timeout = PLAN.timeout
    connection_timeout = PLAN.timeout

    def on_start(self) -> None:
        worker = getattr(self.environment.runner, "worker_index", 0) or 0
        slot = worker * PLAN.users_per_process + next(SPAWNED) % PLAN.users_per_process
        self.path = PLAN.paths[slot % len(PLAN.paths)]
        # Users started in the same second would otherwise push in lockstep: bursts, not a rate.
        gevent.sleep(random.uniform(0, 1 / PLAN.per_user_rate))

    @task
    def push(self) -> None:
        self.client.request("PUT", self.path, data=BODY, headers=PLAN.headers, name=REQUEST_NAME)


class RateSteps(LoadTestShape):
    """One step per rate in the plan; a step over the bound is run once more (one noisy step is not the
    limit), and the ramp stops when the repeat is over the bound too. A step is judged from the
    processes' timelines, by the same rule as the report."""

    def __init__(self) -> None:
        super().__init__()
        self.steps: list[dict] = []

    def tick(self):
        now = time.time()
        if not self.steps:
            return self._begin(PLAN.rates[0], now, repeat=False)
        current = self.steps[-1]
        previous = self.steps[-2] if len(self.steps) >= 2 else None
        if previous is not None and "verdict" not in previous and now >= previous["end"] + PLAN.report_lag_seconds:
            previous["verdict"] = self._judge(previous)
            self._save()
            if previous["verdict"] not in (WITHIN, CUT_SHORT):
                if previous["repeat"]:
                    return None
                current["verdict"] = CUT_SHORT  # replaced by the repeat
                return self._begin(previous["rate"], now, repeat=True)
        if now - current["start"] >= PLAN.step_seconds:
            higher = [rate for rate in PLAN.rates if rate > current["rate"]]
            if not higher:
                return None
            return self._begin(higher[0], now, repeat=False)
        return current["users"], max(current["users"], 1)

    def _begin(self, rate: float, now: float, *, repeat: bool):
        if self.steps:
            self.steps[-1]["end"] = now
        users = max(1, math.ceil(rate / PLAN.per_user_rate))
        self.steps.append({"rate": rate, "users": users, "start": now, "end": None, "repeat": repeat})
        self._save()
        return users, users  # all of a step's users start within a second

    @staticmethod
    def _judge(step: dict) -> str:
        first, last = step_seconds_range(step["start"], step["end"])
        if last <= first:
            return CUT_SHORT
        window = read_timelines(Path(PLAN.out_dir)).window(first, last, [REQUEST_NAME])
        return verdict(window.pushes, window.failures, window.percentile(0.99), last - first, step["rate"],
                       PLAN.p99_bound_ms, PLAN.saturation)

    def _save(self) -> None:
        STEPS_FILE.write_text(json.dumps(self.steps, indent=1))


@events.request.add_listener
def _record(name, response_time, exception, **_kwargs) -> None:
    TIMELINE.record(name, response_time, exception is not None)


@events.test_stop.add_listener
def _save_at_stop(environment, **_kwargs) -> None:
    TIMELINE.save()
    shape = environment.shape_class
    if isinstance(shape, RateSteps) and shape.steps:
        if shape.steps[-1]["end"] is None:
            shape.steps[-1]["end"] = time.time()
        shape._save()


@events.quitting.add_listener
def _save_at_exit(**_kwargs) -> None:
    TIMELINE.save()
