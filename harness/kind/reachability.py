"""Who may connect to whom in the rendered cluster, from its NetworkPolicies, as kind enforces them.

kind's network policy implementation (kindnet, from v0.24.0) follows the NetworkPolicy API: a pod selected by a
policy of a direction accepts (or sends) only what one of those policies allows; peers are pods chosen by
podSelector/namespaceSelector (ipBlock is matched only when it is 0.0.0.0/0 or ::/0: pod addresses are not
known offline); ports are numbers or the destination container's named ports. Traffic from the node itself
(kubelet probes, NodePorts published on the host) is exempt, as are hostNetwork pods, which are the node.

Expectations are data: a `Flow` says "from this pod to that pod's port must be allowed (or denied), because
...". `evaluate` answers each; `table` prints them. Issue-specific lists of flows live with their tests.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from harness.kind.checks import (RuntimeObject, namespace_labels, pods, runtime_objects, selects)
from harness.kind.rendered import RenderedCluster

NODE = "node"


@dataclass(frozen=True)
class Endpoint:
    """A pod of the cluster: a rendered workload's or a runtime one (runtime_objects), or the node itself."""

    namespace: str
    name: str
    labels: dict = field(default_factory=dict, compare=False, hash=False)
    ports: dict = field(default_factory=dict, compare=False, hash=False)  # named container ports -> number
    host_network: bool = False

    def __str__(self) -> str:
        return NODE if self.name == NODE else f"{self.namespace}/{self.name}"


NODE_ENDPOINT = Endpoint("", NODE)


@dataclass(frozen=True)
class Flow:
    """An expectation: `source` connecting to `destination`'s TCP `port` is `allowed` (or not), because `why`."""

    source: str          # "<namespace>/<workload>" or "node"
    destination: str     # "<namespace>/<workload>"
    port: int
    allowed: bool
    why: str


@dataclass(frozen=True)
class Verdict:
    flow: Flow
    allowed: bool
    reason: str

    @property
    def holds(self) -> bool:
        return self.allowed == self.flow.allowed


def endpoints(cluster: RenderedCluster) -> dict[str, Endpoint]:
    """Every pod of the cluster by "<namespace>/<workload or runtime name>", and the node."""
    found = {NODE: NODE_ENDPOINT}
    for pod in pods(cluster):
        ports = {p["name"]: p["containerPort"] for c in pod.spec.get("containers") or [] for p in c.get("ports") or []
                 if p.get("name")}
        endpoint = Endpoint(pod.namespace, pod.owner.name, pod.labels, ports, bool(pod.spec.get("hostNetwork")))
        found[str(endpoint)] = endpoint
    for runtime in runtime_objects(cluster):
        if runtime.kind == "Pod":
            endpoint = Endpoint(runtime.namespace, runtime.name, runtime.labels, _runtime_ports(runtime))
            found[str(endpoint)] = endpoint
    return found


def _runtime_ports(runtime: RuntimeObject) -> dict:
    # The operator's container ports, which policies may name.
    return {"prometheus": {"web": 9090}, "alertmanager": {"web": 9093}}.get(
        runtime.labels.get("app.kubernetes.io/name", ""), {})


def _peer_matches(peer: dict, source: Endpoint, policy_namespace: str, ns_labels: dict[str, dict]) -> bool:
    if "ipBlock" in peer:
        cidr = ipaddress.ip_network(peer["ipBlock"]["cidr"], strict=False)
        return cidr.prefixlen == 0
    pod_selector, ns_selector = peer.get("podSelector"), peer.get("namespaceSelector")
    if ns_selector is None:
        in_namespace = source.namespace == policy_namespace
    else:
        in_namespace = selects(ns_selector, ns_labels.get(source.namespace, {}))
    return in_namespace and (pod_selector is None or selects(pod_selector, source.labels))


def _port_matches(rule_ports: list[dict] | None, port: int, destination: Endpoint) -> bool:
    if not rule_ports:
        return True
    for entry in rule_ports:
        if entry.get("protocol", "TCP") != "TCP":
            continue
        wanted = entry.get("port")
        if wanted is None:
            return True
        number = destination.ports.get(wanted) if isinstance(wanted, str) else wanted
        if number is not None and (number == port or (entry.get("endPort") and number <= port <= entry["endPort"])):
            return True
    return False


def _policies(cluster: RenderedCluster, direction: str, endpoint: Endpoint) -> list:
    found = []
    for policy in cluster.of_kind("NetworkPolicy"):
        spec = policy.obj.get("spec") or {}
        types = spec.get("policyTypes") or (["Ingress", "Egress"] if "egress" in spec else ["Ingress"])
        if direction in types and policy.namespace == endpoint.namespace \
                and selects(spec.get("podSelector"), endpoint.labels):
            found.append(policy)
    return found


def decide(cluster: RenderedCluster, source: Endpoint, destination: Endpoint, port: int,
           ns_labels: dict[str, dict] | None = None) -> tuple[bool, str]:
    """(allowed, why) of a TCP connection from `source` to `destination`:port."""
    ns_labels = namespace_labels(cluster) if ns_labels is None else ns_labels
    if source.name == NODE or source.host_network:
        return True, "node traffic (kind exempts it)"
    if destination.host_network:
        return True, "the destination is on the node's network"
    egress = _policies(cluster, "Egress", source)
    if egress and not any(_port_matches(rule.get("ports"), port, destination)
                          and (not rule.get("to") or any(_peer_matches(peer, destination, p.namespace, ns_labels)
                                                           for peer in rule["to"]))
                          for p in egress for rule in (p.obj["spec"].get("egress") or [])):
        return False, f"no egress rule of {', '.join(p.name for p in egress)} lets it out"
    ingress = _policies(cluster, "Ingress", destination)
    if not ingress:
        return True, "no NetworkPolicy selects the destination"
    for policy in ingress:
        for rule in policy.obj["spec"].get("ingress") or []:
            if _port_matches(rule.get("ports"), port, destination) and (
                    not rule.get("from") or any(_peer_matches(peer, source, policy.namespace, ns_labels)
                                                for peer in rule["from"])):
                return True, f"allowed by {policy.ref}"
    return False, f"no ingress rule of {', '.join(p.ref for p in ingress)} admits it"


def evaluate(cluster: RenderedCluster, flows: list[Flow]) -> list[Verdict]:
    """Each flow decided; a flow naming a pod the cluster does not have is a failed verdict saying so."""
    known, ns_labels = endpoints(cluster), namespace_labels(cluster)
    verdicts = []
    for flow in flows:
        missing = [name for name in (flow.source, flow.destination) if name not in known]
        if missing:
            verdicts.append(Verdict(flow, not flow.allowed, f"no pod {missing[0]} in the rendered cluster"))
            continue
        allowed, reason = decide(cluster, known[flow.source], known[flow.destination], flow.port, ns_labels)
        verdicts.append(Verdict(flow, allowed, reason))
    return verdicts


def table(verdicts: list[Verdict]) -> str:
    """The verdicts as a table people read: source, destination:port, verdict, expected, why."""
    rows = [("from", "to", "verdict", "expected", "because")]
    rows += [(v.flow.source, f"{v.flow.destination}:{v.flow.port}", "allowed" if v.allowed else "denied",
              ("ok" if v.holds else "WRONG, want ") + ("" if v.holds else "allowed" if v.flow.allowed else "denied"),
              f"{v.reason}; {v.flow.why}") for v in verdicts]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row[:4], widths)) + "  " + row[4]
                     for row in rows)


def problems(verdicts: list[Verdict]) -> list[str]:
    return [f"{v.flow.source} -> {v.flow.destination}:{v.flow.port} is {'allowed' if v.allowed else 'denied'}, "
            f"must be {'allowed' if v.flow.allowed else 'denied'} ({v.flow.why}): {v.reason}"
            for v in verdicts if not v.holds]
