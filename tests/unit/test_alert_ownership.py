"""A tenant's receiver may hear of its own namespace's platform alerts; anything else is a leak."""
from __future__ import annotations

from harness.tenants import load_tenants
from tests.support.alert_ownership import foreign, owner

ALICE, BOB = load_tenants()[:2]


def test_an_alert_names_its_tenant_or_its_namespace():
    assert owner({"tenant": BOB.name, "namespace": BOB.namespace}, [ALICE, BOB]) == BOB.name
    # kube-prometheus-stack's KubePodNotReady about Bob's failed step pod: no tenant label.
    assert owner({"alertname": "KubePodNotReady", "namespace": BOB.namespace}, [ALICE, BOB]) == BOB.name
    assert owner({"alertname": "KubeNodeNotReady"}, [ALICE, BOB]) is None


def test_bobs_own_namespace_alert_is_no_leak_but_alices_is():
    pod_not_ready = {"labels": {"alertname": "KubePodNotReady", "namespace": BOB.namespace, "pod": "wf-1"}}
    alices = {"labels": {"alertname": "SimplepipeJobFailed", "tenant": ALICE.name}}
    alices_pod = {"labels": {"alertname": "KubePodNotReady", "namespace": ALICE.namespace}}
    nobodys = {"labels": {"alertname": "Watchdog"}}
    assert foreign([pod_not_ready], BOB, [ALICE, BOB]) == []
    assert foreign([pod_not_ready, alices, alices_pod, nobodys], BOB, [ALICE, BOB]) == [alices, alices_pod, nobodys]


def test_a_tenant_label_wins_over_the_namespace():
    # A series Alice pushed cannot claim Bob (the platform stamps tenant last); if it did, it is Bob's alert.
    assert owner({"tenant": ALICE.name, "namespace": BOB.namespace}, [ALICE, BOB]) == ALICE.name
