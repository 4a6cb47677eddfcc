"""The kind (Kubernetes) backend: a helmfile on a kind cluster, and KindPlatform.

Entry points for `python -m harness --platform kind <verb>` (each returns an exit code
and prints one-line errors): cli_up, cli_down, cli_status, cli_env(tenant), cli_image.
`kind_cluster_reachable()` tells the e2e tests whether to run or skip, and why.
"""
from __future__ import annotations

import sys


def kind_cluster_reachable(timeout: float = 5.0) -> tuple[bool, str]:
    """(True, "") when the kind platform answers: API server, Argo's CRD and Prometheus."""
    from harness.kind import cluster
    from harness.local.processes import http_ok

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


def _run(action) -> int:
    from harness.kind.cluster import ClusterError
    from harness.kind.pins import UnpinnedError
    from harness.kind.prerequisites import MissingToolsError
    from harness.kind.render import RenderError

    # What a user can act on; anything else is a bug and keeps its traceback.
    expected = (ClusterError, MissingToolsError, RenderError, TimeoutError, UnpinnedError)
    try:
        action()
        return 0
    except expected as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def cli_up() -> int:
    """`make up PLATFORM=kind`: prerequisites, cluster, image, helmfile sync, wait; then where things are."""
    from harness.kind.platform import KindPlatform

    def up():
        KindPlatform().up()
        _print_endpoints()

    return _run(up)


def cli_down() -> int:
    """`make down PLATFORM=kind`: delete the kind cluster (and everything in it)."""
    from harness.kind.platform import KindPlatform

    return _run(lambda: KindPlatform().down())


def cli_status() -> int:
    """`make status PLATFORM=kind`: whether the platform answers, and its URLs. Exit 1 when down."""
    ok, reason = kind_cluster_reachable()
    print(f"kind platform: {'up' if ok else 'down'}{'' if ok else f' ({reason})'}")
    if ok:
        _print_endpoints()
    return 0 if ok else 1


def cli_env(tenant_name: str) -> int:
    """`make env PLATFORM=kind TENANT=bob`: export lines for the tenant's own code on this machine."""
    from harness.kind import cluster, render
    from harness.tenants import TenantsFileError, tenant_by_name

    try:
        tenant = tenant_by_name(tenant_name)
    except TenantsFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    # The gateway is ClusterIP only; forward it on the port the local backend would use.
    print(f"# {tenant.name}'s Pushgateway is reachable from this machine through a port-forward:")
    print(f"#   kubectl --context {cluster.KUBE_CONTEXT} -n {tenant.namespace} port-forward "
          f"svc/{render.pushgateway_service(tenant)} {tenant.local_port}:{render.PUSHGATEWAY_PORT}")
    print(f"export SIMPLEPIPE_PUSHGATEWAY_URL=http://127.0.0.1:{tenant.local_port}")
    print(f"export SIMPLEPIPE_PUSHGATEWAY_USERNAME={tenant.username}")
    print(f"export SIMPLEPIPE_PUSHGATEWAY_PASSWORD={tenant.password}")
    print(f"export PROMETHEUS_URL={cluster.service_urls()['prometheus']}")
    return 0


def cli_image() -> int:
    """`make image`: build simplepipe/Dockerfile again and load it into the running kind node."""
    from harness.kind import image

    return _run(image.build_and_load)


def _print_endpoints() -> None:
    from harness.kind import cluster
    from harness.tenants import load_tenants

    urls, logins = cluster.service_urls(), cluster.credentials()
    print("kind platform (context " + cluster.KUBE_CONTEXT + "):")
    for name, url in urls.items():
        login = logins.get(name)
        print(f"  {name:<14} {url}" + (f"   login {login[0]} / {login[1]}" if login else ""))
    for tenant in load_tenants():
        print(f"  tenant {tenant.name:<7} namespace {tenant.namespace}, Pushgateway user {tenant.username} "
              f"(`make env PLATFORM=kind TENANT={tenant.name}`)")


def __getattr__(name: str):
    # `from harness.kind import KindPlatform` without importing the kubernetes client
    # for callers that only need the CLI verbs or kind_cluster_reachable.
    if name == "KindPlatform":
        from harness.kind.platform import KindPlatform

        return KindPlatform
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
