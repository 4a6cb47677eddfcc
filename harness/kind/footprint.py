"""What the rendered cluster asks of a node: the requests (and limits) of its pods, per release, as the scheduler
adds them up (harness/kind/scale.py prints them per tenant and for the platform's base).

A pod asks for the sum of its containers, or its largest init container when that is more (init containers run
one at a time, before the others). A Deployment or StatefulSet asks that times its replicas, a DaemonSet once
(kind has one node), the operator's Prometheus and Alertmanager their `spec.resources` times their replicas
(kube-prometheus-stack gives their config-reloader sidecars no request: `--config-reloader-cpu-request=0`).
Jobs, CronJobs and Helm hooks ask only while they run: they are counted apart, as `transient`.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from harness.kind import quantities
from harness.kind.checks import pod_template
from harness.kind.rendered import RenderedCluster, RenderedObject

# What kind's node runs before any release (kube-system), from the public manifests: kubeadm's control-plane
# static pods (kube-apiserver 250m, kube-controller-manager 200m, kube-scheduler 100m, etcd 100m and 100Mi),
# CoreDNS' two replicas (100m and 70Mi each, kubeadm's manifest) and kind v0.32.0's kindnet (100m and 50Mi);
# kube-proxy and the local-path provisioner ask for nothing.
KIND_SYSTEM_PODS = {"kube-apiserver": ("250m", "0"), "kube-controller-manager": ("200m", "0"),
                    "kube-scheduler": ("100m", "0"), "etcd": ("100m", "100Mi"), "coredns (2 replicas)": ("200m", "140Mi"),
                    "kindnet": ("100m", "50Mi")}
TRANSIENT_KINDS = ("Job", "CronJob")


@dataclass(frozen=True)
class Amount:
    """CPU in millicores and memory in MiB."""

    millicores: int = 0
    mebibytes: float = 0.0

    def __add__(self, other: "Amount") -> "Amount":
        return Amount(self.millicores + other.millicores, self.mebibytes + other.mebibytes)

    def __mul__(self, times: int) -> "Amount":
        return Amount(self.millicores * times, self.mebibytes * times)

    def larger(self, other: "Amount") -> "Amount":
        return Amount(max(self.millicores, other.millicores), max(self.mebibytes, other.mebibytes))

    def text(self) -> str:
        return f"{quantities.cpu_text(self.millicores)}, {quantities.memory_text(self.mebibytes)}"


def kind_system() -> Amount:
    total = Amount()
    for cpu, memory in KIND_SYSTEM_PODS.values():
        total += Amount(quantities.millicores(cpu), quantities.mebibytes(memory))
    return total


@dataclass
class Footprint:
    """Requests of some releases: steady (what runs all the time) and transient (Jobs and hooks, while they
    run), limits of the steady part, and the containers that ask for nothing (they use the node unaccounted)."""

    objects: int = 0
    steady: Amount = Amount()
    transient: Amount = Amount()
    limits: Amount = Amount()
    unlimited: list[str] = field(default_factory=list)    # steady containers without a CPU or memory limit
    unrequested: list[str] = field(default_factory=list)  # containers without a CPU or memory request

    def add(self, other: "Footprint") -> "Footprint":
        return Footprint(self.objects + other.objects, self.steady + other.steady, self.transient + other.transient,
                         self.limits + other.limits, self.unlimited + other.unlimited,
                         self.unrequested + other.unrequested)


def _amount(resources: dict | None, part: str) -> tuple[Amount, bool]:
    """(the container's requests or limits, whether both CPU and memory are set)."""
    values = (resources or {}).get(part) or {}
    cpu, memory = values.get("cpu"), values.get("memory")
    return (Amount(quantities.millicores(cpu) if cpu not in (None, "") else 0,
                   quantities.mebibytes(memory) if memory not in (None, "") else 0.0),
            cpu not in (None, "") and memory not in (None, ""))


def _pod(spec: dict, part: str) -> tuple[Amount, list[str]]:
    """A pod spec's `part` (requests or limits) as the scheduler adds it up, and its containers without one."""
    missing, running, init = [], Amount(), Amount()
    for container in spec.get("containers") or []:
        amount, complete = _amount(container.get("resources"), part)
        running += amount
        missing += [] if complete else [container["name"]]
    for container in spec.get("initContainers") or []:
        amount, complete = _amount(container.get("resources"), part)
        init = init.larger(amount)
        missing += [] if complete else [container["name"]]
    return running.larger(init), missing


def _replicas(o: RenderedObject) -> int:
    if o.kind == "DaemonSet":
        return 1  # one node
    replicas = (o.obj.get("spec") or {}).get("replicas")
    return 1 if replicas is None else int(replicas)


def of_objects(objects: list[RenderedObject]) -> Footprint:
    """The footprint of these objects (one release's, one tenant's, ...)."""
    found = Footprint(objects=len(objects))
    for o in objects:
        if o.kind in ("Prometheus", "Alertmanager"):  # the operator's StatefulSets, from the custom resource
            spec = {"containers": [{"name": o.kind.lower(), "resources": (o.obj.get("spec") or {}).get("resources")}]}
        else:
            template = pod_template(o.obj)
            if template is None:
                continue
            spec = template.get("spec") or {}
        requests, unrequested = _pod(spec, "requests")
        found.unrequested += [f"{o.release}: {o.ref}: {name}" for name in unrequested]
        if o.hook or o.kind in TRANSIENT_KINDS:
            found.transient += requests
            continue
        limits, unlimited = _pod(spec, "limits")
        found.steady += requests * _replicas(o)
        found.limits += limits * _replicas(o)
        found.unlimited += [f"{o.release}: {o.ref}: {name}" for name in unlimited]
    return found


def by_release(cluster: RenderedCluster) -> dict[str, Footprint]:
    """release key -> its footprint, in render order."""
    objects: dict[str, list[RenderedObject]] = {}
    for o in cluster.objects:
        objects.setdefault(o.release, []).append(o)
    return {release: of_objects(found) for release, found in objects.items()}
