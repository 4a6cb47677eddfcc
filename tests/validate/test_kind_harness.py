"""The kind harness says plainly what is missing, without a cluster or tools."""
from __future__ import annotations

import pytest

from harness.kind import cluster, kind_cluster_reachable, prerequisites
from harness.net import free_port


def test_no_kubeconfig_gives_a_one_line_reason(tmp_path, monkeypatch):
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "absent"))
    reachable, reason = kind_cluster_reachable()
    assert not reachable
    assert "make up PLATFORM=kind" in reason and "\n" not in reason


def test_unreachable_api_server_gives_a_one_line_reason(tmp_path, monkeypatch):
    kubeconfig = tmp_path / "config"
    kubeconfig.write_text(f"""
apiVersion: v1
kind: Config
clusters:
- name: {cluster.KUBE_CONTEXT}
  cluster: {{server: "https://127.0.0.1:{free_port()}", insecure-skip-tls-verify: true}}
users:
- name: {cluster.KUBE_CONTEXT}
  user: {{token: not-a-real-token}}
contexts:
- name: {cluster.KUBE_CONTEXT}
  context: {{cluster: {cluster.KUBE_CONTEXT}, user: {cluster.KUBE_CONTEXT}}}
current-context: {cluster.KUBE_CONTEXT}
""")
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig))
    reachable, reason = kind_cluster_reachable(timeout=2)
    assert not reachable
    assert reason.startswith(f"kind cluster {cluster.CLUSTER_NAME} not reachable") and "\n" not in reason


def test_missing_tools_are_all_named_with_how_to_get_them(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(prerequisites.MissingToolsError) as caught:
        prerequisites.require(("docker", "kind", "helm", "helmfile"))
    message = str(caught.value)
    for tool in ("docker", "kind", "helm", "helmfile"):
        assert f"\n  {tool}: not found on PATH" in message
    assert "https://kind.sigs.k8s.io" in message


def test_published_services_have_host_urls():
    urls = cluster.service_urls()
    assert set(urls) == {"grafana", "prometheus", "argo-server", "minio", "minio-console"}
    assert all(url.startswith("http://127.0.0.1:") for url in urls.values())
