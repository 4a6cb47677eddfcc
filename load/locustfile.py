"""Locust users for `make load`: each user is one simulated workflow of one tenant.

A workflow pushes one payload kind (small, medium or large) again and again to its own group,
through Simplepipe's Pushgateway client; every push is reported to Locust as a request named
`<tenant>/<kind>`, and the last acknowledged push of each group goes to the ledger that the
nothing-lost check reads. Started by `python -m load.run`, which writes the load plan (in the cluster, by
load/in_cluster.py; its workers ship their ledgers and timelines to the master, load/shipping.py).
"""
from __future__ import annotations

import itertools
import re
import time
from pathlib import Path

from locust import User, events, task
from locust.runners import MasterRunner, WorkerRunner

from load import payloads, shipping
from load.ledger import PushLedger
from load.plan import LOAD_JOB, LoadPlan, TenantTarget, grouping_key
from load.timeline import TimelineRecorder
from simplepipe.pushgateway import Pushgateway

# Kinds in spawn order within a tenant: 6 small, 3 medium, 1 large in any ten consecutive users.
KIND_ROTATION = ("small", "medium", "large", "small", "small", "medium", "small", "small", "medium", "small")
# Tenant i starts the rotation at 2*i: the mix stays the same, and a 4-user smoke run
# (2 users per tenant: alice small+medium, bob large+small) still pushes every payload kind.
ROTATION_STEP_PER_TENANT = 2

PLAN = LoadPlan.from_env()
LEDGER = PushLedger(Path(PLAN.out_dir))
TIMELINE = TimelineRecorder(Path(PLAN.out_dir))
SHIPMENT = shipping.Shipment()


class TenantWorkflow(User):
    """A workflow of `target`'s tenant, pushing its payload to its own grouping key."""

    abstract = True
    target: TenantTarget
    spawned: itertools.count
    rotation_offset: int

    def wait_time(self) -> float:
        # Pacing, not a pause: a workflow pushing every N s keeps that rhythm whatever a push costs.
        pacing = PLAN.pacing.get(self.kind, 0.0)
        return max(0.0, pacing - self.last_push_seconds)

    def on_start(self) -> None:
        number = next(self.spawned)
        self.kind = KIND_ROTATION[(number + self.rotation_offset) % len(KIND_ROTATION)]
        worker = getattr(self.environment.runner, "worker_index", 0)
        self.workflow = f"{self.target.name}-{self.kind}-w{worker}-{number:03d}"
        self.request_name = f"{self.target.name}/{self.kind}"
        self.gateway = Pushgateway(
            self.target.url, username=self.target.username, password=self.target.password,
            timeout=PLAN.push_timeout, retries=0, identity=None,
        )
        self.record = LEDGER.open_group(
            self.target.name, self.workflow, self.kind, LOAD_JOB, grouping_key(PLAN.run_id, self.workflow)
        )
        self.sequence = 0
        self.last_push_seconds = 0.0

    @task
    def push(self) -> None:
        self.sequence += 1
        LEDGER.attempting(self.record, self.sequence)
        start = time.perf_counter()
        error: Exception | None = None
        body = b""
        try:
            # What `simplepipe push` does: parse and validate the workflow's file, render, PUT.
            metrics = payloads.metric_set(self.kind, self.sequence)
            body = self.gateway.body(metrics, LOAD_JOB, self.record.grouping_key)
            self.gateway.push(body, job=LOAD_JOB, grouping_key=self.record.grouping_key)
        except Exception as exc:  # noqa: BLE001 - whatever went wrong, Locust must count the push as failed
            error = exc
        self.last_push_seconds = time.perf_counter() - start
        if error is None:
            LEDGER.acknowledged(self.record, self.sequence)
        else:
            LEDGER.failed(self.record)
        TIMELINE.record(self.request_name, self.last_push_seconds * 1000, error is not None)
        events.request.fire(
            request_type="PUT", name=self.request_name, response_time=self.last_push_seconds * 1000,
            response_length=len(body), exception=error, context={"workflow": self.workflow},
        )


def _user_class(index: int, target: TenantTarget) -> type[TenantWorkflow]:
    name = "".join(part.capitalize() for part in re.split(r"[^a-zA-Z0-9]+", target.name)) + "Workflow"
    return type(name, (TenantWorkflow,), {
        "__module__": __name__, "abstract": False, "target": target, "spawned": itertools.count(),
        "rotation_offset": ROTATION_STEP_PER_TENANT * index,
    })


# One User class per tenant (equal weights: every tenant gets the same share of the users).
# Locust collects every User class among the module's names, so no loop variable may hold one.
globals().update({cls.__name__: cls for cls in (_user_class(i, t) for i, t in enumerate(PLAN.tenants))})


@events.init.add_listener
def _receive_shipments(environment, **_kwargs) -> None:
    if PLAN.ship_to_master and isinstance(environment.runner, MasterRunner):
        environment.runner.register_message(shipping.MESSAGE, shipping.receiver(Path(PLAN.out_dir)))


@events.test_start.add_listener
def _start_cpu_clock(**_kwargs) -> None:
    SHIPMENT.restart()


@events.test_stop.add_listener
def _save_ledger_at_stop(environment, **_kwargs) -> None:
    LEDGER.save()
    TIMELINE.save()
    if PLAN.ship_to_master and isinstance(environment.runner, WorkerRunner):
        SHIPMENT.send(environment.runner, LEDGER, TIMELINE)


@events.quitting.add_listener
def _save_ledger_at_exit(**_kwargs) -> None:
    LEDGER.save()
    TIMELINE.save()
