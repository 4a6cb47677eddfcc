"""The kind (Kubernetes) backend: a helmfile on a kind cluster, and KindPlatform.

`kind_cluster_reachable()` tells the e2e tests whether to run or skip, and why.
"""
from __future__ import annotations


def kind_cluster_reachable(timeout: float = 5.0) -> tuple[bool, str]:
    """(True, "") when the kind platform answers: API server, Argo's CRD and Prometheus."""
    from harness.kind import cluster
    from harness.net import http_ok

    try:
        from kubernetes import client, config

        contexts, _ = config.list_kube_config_contexts(config_file=cluster.kubeconfig())
    except Exception as exc:  # no kubeconfig at all, or an unreadable one
        return False, f"no kubeconfig ({type(exc).__name__}); start the platform with `make up PLATFORM=kind`"
    if cluster.KUBE_CONTEXT not in {c["name"] for c in contexts}:
        return False, f"no kubeconfig context {cluster.KUBE_CONTEXT}; start it with `make up PLATFORM=kind`"
    try:
        api = config.new_client_from_config(config_file=cluster.kubeconfig(), context=cluster.KUBE_CONTEXT)
        client.ApiextensionsV1Api(api).read_custom_resource_definition(
            "workflows.argoproj.io", _request_timeout=timeout)
    except Exception as exc:
        reason = getattr(exc, "reason", None) or type(exc).__name__
        return False, f"kind cluster {cluster.CLUSTER_NAME} not reachable or without Argo ({reason})"
    prometheus = cluster.service_urls()["prometheus"]
    if not http_ok(f"{prometheus}/-/ready", timeout=timeout):
        return False, f"Prometheus of the kind platform does not answer at {prometheus}"
    return True, ""


def __getattr__(name: str):
    # `from harness.kind import KindPlatform` without importing the kubernetes client
    # for callers that only need the CLI verbs or kind_cluster_reachable.
    if name == "KindPlatform":
        from harness.kind.platform import KindPlatform

        return KindPlatform
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
