"""The load's groups in the tenants' gateways: their paths, the probes' pushes, and their clean-up, so that
repeated runs never accumulate in a tenant's gateway."""
from __future__ import annotations

from collections.abc import Callable

from load import payloads
from load.nothing_lost import CheckError, gateway_groups
from load.plan import LOAD_JOB, RUN_LABEL, TenantTarget, grouping_key
from simplepipe.errors import SimplepipeError
from simplepipe.pushgateway import Pushgateway

GROWTH_JOB = "growth-probe"


def group_path(run_id: str, workflow: str) -> str:
    """URL path of a load group below /metrics/ (the Pushgateway's grouping-key path)."""
    key = grouping_key(run_id, workflow)
    return f"job/{LOAD_JOB}/" + "/".join(f"{name}/{value}" for name, value in key.items())


def small_body() -> bytes:
    """The small payload exactly as Simplepipe's client sends it."""
    return payloads.exposition("small", 1)


def push_small(url: str) -> None:
    Pushgateway(url, timeout=30.0, retries=0).push(payloads.metric_set("small", 1), job=GROWTH_JOB)


def sweep_leftovers(targets: dict[str, TenantTarget]) -> int:
    """Delete every load group (job simplepipe-load) left behind by an interrupted earlier run."""
    return sum(_delete_groups(target, lambda labels: labels.get("job") == LOAD_JOB) for target in targets.values())


def delete_run_groups(targets: dict[str, TenantTarget], run_id: str) -> int:
    """Delete this run's groups so repeated runs never accumulate in a tenant's gateway."""
    total = 0
    for target in targets.values():
        try:
            total += _delete_groups(target, lambda labels: labels.get("job") == LOAD_JOB
                                    and labels.get(RUN_LABEL) == run_id)
        except (CheckError, SimplepipeError) as exc:
            print(f"WARNING: could not delete the load's groups from {target.name}'s gateway: {exc}")
    return total


def _delete_groups(target: TenantTarget, chosen: Callable[[dict], bool]) -> int:
    gateway = Pushgateway(target.url, username=target.username, password=target.password, timeout=60.0, retries=1)
    deleted = 0
    for group in gateway_groups(target):
        labels = dict(group["labels"])
        if chosen(labels):
            job = labels.pop("job")
            gateway.delete(job, labels)
            deleted += 1
    return deleted
