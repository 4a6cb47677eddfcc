"""The nothing-lost check against a real Pushgateway: it passes on what was pushed and names every
group whose last push is missing, stale or altered."""
from __future__ import annotations

from pushgateway_server import PASSWORD, USERNAME

from load import payloads
from load.ledger import GroupRecord
from load.nothing_lost import check_pushgateways
from load.plan import LOAD_JOB, TenantTarget, grouping_key
from simplepipe.pushgateway import Pushgateway

RUN = "it-nothing-lost"


def _record(kind: str, workflow: str, sequence: int, uncertain: list[int] | None = None) -> GroupRecord:
    return GroupRecord(tenant="alice", workflow=workflow, kind=kind, job=LOAD_JOB,
                       grouping_key=grouping_key(RUN, workflow), sequence=sequence, uncertain=uncertain or [])


def test_nothing_lost_passes_on_pushed_groups_and_names_lost_ones(auth_pushgateway):
    gateway = Pushgateway(auth_pushgateway.url, username=USERNAME, password=PASSWORD, retries=0, identity=None)
    target = {"alice": TenantTarget("alice", auth_pushgateway.url, USERNAME, PASSWORD)}
    for kind, workflow, sequence in (("small", "w-small", 3), ("large", "w-large", 2), ("medium", "w-medium", 9)):
        gateway.push(payloads.metric_set(kind, sequence), LOAD_JOB, grouping_key(RUN, workflow))
    # A push whose answer got lost may or may not have landed: either value is acceptable.
    gateway.push(payloads.metric_set("small", 5), LOAD_JOB, grouping_key(RUN, "w-uncertain"))
    try:
        pushed = [_record("small", "w-small", 3), _record("large", "w-large", 2), _record("medium", "w-medium", 9),
                  _record("small", "w-uncertain", 4, uncertain=[5])]
        assert check_pushgateways(pushed, target, RUN) == []

        altered = payloads.metrics("medium", 9)
        altered[7]["value"] += 1  # same sequence number, one value off
        gateway.push(altered, LOAD_JOB, grouping_key(RUN, "w-medium"))
        gateway.delete(LOAD_JOB, grouping_key(RUN, "w-large"))
        claimed = [_record("small", "w-small", 4), _record("large", "w-large", 2), _record("medium", "w-medium", 9)]

        losses = {loss.workflow: loss.detail for loss in check_pushgateways(claimed, target, RUN)}

        assert losses == {
            "w-small": "holds push #3, expected #4",
            "w-large": "group missing (expected push #2)",
            "w-medium": "push #9: 100 series summing to 5851, expected 100 summing to 5850",
        }
    finally:
        for workflow in ("w-small", "w-large", "w-medium", "w-uncertain"):
            gateway.delete(LOAD_JOB, grouping_key(RUN, workflow))
