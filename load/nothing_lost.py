"""Nothing lost: every group's last recorded push is in the tenant's Pushgateway and, a scrape later, in Prometheus."""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from harness.waiting import NotYet, holds_within
from load import payloads
from load.ledger import GroupRecord
from load.plan import LOAD_JOB, RUN_LABEL, WORKFLOW_LABEL, TenantTarget
from simplepipe.errors import GatewayRefusedError, GatewayUnreachableError
from simplepipe.pushgateway import Pushgateway

HTTP_TIMEOUT = 60.0


class CheckError(RuntimeError):
    """A gateway or Prometheus could not be asked (not a loss: the check could not run)."""


@dataclass(frozen=True)
class Loss:
    tenant: str
    workflow: str
    where: str  # "pushgateway" | "prometheus"
    detail: str

    def __str__(self) -> str:
        return f"{self.tenant}/{self.workflow} in {self.where}: {self.detail}"


@dataclass(frozen=True)
class Seen:
    """What a store shows of one group."""

    sequence: float | None
    series: int
    value_sum: float


def acceptable(record: GroupRecord) -> dict[int, payloads.Digest]:
    """Digests the group may show: the last acknowledged push, or a later push whose answer was lost."""
    sequences = ([record.sequence] if record.sequence else []) + record.uncertain
    return {seq: payloads.digest(record.kind, seq) for seq in sequences}


def compare(record: GroupRecord, where: str, seen: Seen | None) -> Loss | None:
    digests = acceptable(record)
    if not digests:
        return None  # the workflow was stopped before its first push: nothing to find
    last = digests.get(record.sequence) or next(iter(digests.values()))
    if seen is None:
        if not record.sequence:
            return None  # no push was acknowledged, and the failed ones did not land
        return Loss(record.tenant, record.workflow, where, f"group missing (expected push #{last.sequence})")
    if seen.sequence is None:
        return Loss(record.tenant, record.workflow, where,
                    f"no {payloads.SEQUENCE_METRIC} in the group (expected push #{last.sequence})")
    digest = digests.get(int(seen.sequence)) if seen.sequence.is_integer() else None
    if digest is None:
        return Loss(record.tenant, record.workflow, where,
                    f"holds push #{seen.sequence:g}, expected #{last.sequence}")
    if seen.series != digest.series or not math.isclose(seen.value_sum, digest.value_sum, rel_tol=1e-9):
        return Loss(record.tenant, record.workflow, where,
                    f"push #{digest.sequence}: {seen.series} series summing to {seen.value_sum:g}, "
                    f"expected {digest.series} summing to {digest.value_sum:g}")
    return None


def check_pushgateways(records: list[GroupRecord], targets: dict[str, TenantTarget], run_id: str) -> list[Loss]:
    """Read each tenant's gateway once (GET /api/v1/metrics with the tenant's credentials)."""
    losses = []
    for tenant, target in targets.items():
        mine = [r for r in records if r.tenant == tenant]
        try:
            held = _gateway_groups(target, run_id)
        except CheckError as exc:
            # A gateway that does not answer has lost, as far as anyone can tell, every group it held.
            losses += [Loss(r.tenant, r.workflow, "pushgateway", str(exc)) for r in mine if r.sequence]
            continue
        losses += [loss for r in mine if (loss := compare(r, "pushgateway", held.get(r.workflow)))]
    return losses


def gateway_groups(target: TenantTarget) -> list[dict]:
    """The gateway's groups as its JSON API lists them."""
    with Pushgateway(target.url, username=target.username, password=target.password, timeout=HTTP_TIMEOUT,
                     retries=0, identity=None) as gateway:
        try:
            return gateway.groups()
        except GatewayUnreachableError as exc:
            raise CheckError(f"{target.name}'s Pushgateway at {target.url} unreachable: {exc.reason}") from exc
        except GatewayRefusedError as exc:
            raise CheckError(f"{target.name}'s Pushgateway answered HTTP {exc.status}: {exc.body[:300]!r}") from exc


def _gateway_groups(target: TenantTarget, run_id: str) -> dict[str, Seen]:
    held = {}
    for group in gateway_groups(target):
        labels = group["labels"]
        if labels.get("job") != LOAD_JOB or labels.get(RUN_LABEL) != run_id:
            continue
        series, total, sequence = 0, 0.0, None
        for name, family in group.items():
            if not isinstance(family, dict) or "metrics" not in family or name in payloads.GATEWAY_SERIES:
                continue
            for metric in family["metrics"]:
                values = _sample_values(metric)
                series += len(values)
                total += sum(values)
                if name == payloads.SEQUENCE_METRIC:
                    sequence = values[0]
        held[labels.get(WORKFLOW_LABEL, "")] = Seen(sequence=sequence, series=series, value_sum=total)
    return held


def _sample_values(metric: dict) -> list[float]:
    """Samples of one metric as the exposition has them (a histogram: buckets incl. +Inf, _sum, _count)."""
    if "value" in metric:
        return [float(metric["value"])]
    values = [float(v) for v in metric.get("buckets", {}).values()]
    values += [float(v) for v in metric.get("quantiles", {}).values()]
    return values + [float(metric["sum"]), float(metric["count"])]


def check_prometheus(records: list[GroupRecord], query: Callable[[str], list[dict]], run_id: str, *,
                     timeout: float = 30.0, interval: float = 1.0) -> list[Loss]:
    """Poll Prometheus until every group matches (one scrape later) or `timeout` passes."""
    selector = (f'{{job="{LOAD_JOB}", {RUN_LABEL}="{run_id}", '
                f'__name__!~"{"|".join(payloads.GATEWAY_SERIES)}"}}')
    losses: list[Loss] = []

    def every_group_seen() -> bool:
        seen = _prometheus_groups(query, selector)
        losses[:] = [loss for record in records
                     if (loss := compare(record, "prometheus", seen.get((record.tenant, record.workflow))))]
        if losses:
            raise NotYet(f"{len(losses)} of {len(records)} groups not (yet) in Prometheus")
        return True

    # What is still missing after the timeout is the answer: the losses.
    holds_within(every_group_seen, timeout=timeout, poll=interval, what="every group's last push in Prometheus")
    return losses


def _prometheus_groups(query: Callable[[str], list[dict]], selector: str) -> dict[tuple[str, str], Seen]:
    by = f"tenant, {WORKFLOW_LABEL}"
    counts = {_key(r): int(float(r["value"][1])) for r in query(f"count by ({by}) ({selector})")}
    sums = {_key(r): float(r["value"][1]) for r in query(f"sum by ({by}) ({selector})")}
    sequences = {_key(r): float(r["value"][1])
                 for r in query(f"max by ({by}) ({selector[:-1]}, __name__=\"{payloads.SEQUENCE_METRIC}\"}})")}
    return {key: Seen(sequence=sequences.get(key), series=counts[key], value_sum=sums.get(key, 0.0)) for key in counts}


def _key(result: dict) -> tuple[str, str]:
    return result["metric"].get("tenant", ""), result["metric"].get(WORKFLOW_LABEL, "")
