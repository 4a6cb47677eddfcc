"""The kind harness says plainly what is missing, without a cluster or tools."""
from __future__ import annotations

import subprocess

import pytest

from harness.kind import cluster, constants, pins, prerequisites
from harness.kind.cluster import kind_cluster_reachable
from harness.net import free_port
from harness.paths import REPO_ROOT


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
- name: {constants.KUBE_CONTEXT}
  cluster: {{server: "https://127.0.0.1:{free_port()}", insecure-skip-tls-verify: true}}
users:
- name: {constants.KUBE_CONTEXT}
  user: {{token: not-a-real-token}}
contexts:
- name: {constants.KUBE_CONTEXT}
  context: {{cluster: {constants.KUBE_CONTEXT}, user: {constants.KUBE_CONTEXT}}}
current-context: {constants.KUBE_CONTEXT}
""")
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig))
    reachable, reason = kind_cluster_reachable(timeout=2)
    assert not reachable
    assert reason.startswith(f"kind cluster {constants.CLUSTER_NAME} not reachable") and "\n" not in reason


def test_missing_tools_are_all_named_with_how_to_get_them(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(prerequisites.MissingToolsError) as caught:
        prerequisites.require(("docker", "kind", "helm", "helmfile"))
    message = str(caught.value)
    for tool in ("docker", "kind", "helm", "helmfile"):
        assert f"\n  {tool}: not found on PATH" in message
    assert "https://kind.sigs.k8s.io" in message


def _fake_tool(directory, name: str, output: str, exit_code: int = 0) -> None:
    """A stand-in for a tool on PATH that prints `output` (stderr when it fails) and exits."""
    stream = ">&2" if exit_code else ""
    script = directory / name  # printf is a shell builtin: PATH holds nothing but the fakes
    script.write_text(f"#!/bin/sh\nprintf '%s\\n' '{output}' {stream}\nexit {exit_code}\n")
    script.chmod(0o755)


GOOD_TOOLS = {"docker": "28.3.2", "kind": "kind v0.32.0 go1.24.2 linux/amd64", "helm": "v3.19.0+g3d8990f",
              "helmfile": "helmfile version 1.7.4"}


def test_tools_in_supported_versions_pass(tmp_path, monkeypatch):
    for name, output in GOOD_TOOLS.items():
        _fake_tool(tmp_path, name, output)
    monkeypatch.setenv("PATH", str(tmp_path))
    tools = prerequisites.require(tuple(GOOD_TOOLS))
    assert tools == {name: str(tmp_path / name) for name in GOOD_TOOLS}


@pytest.mark.parametrize("name, output, expected", [
    ("kind", "kind v0.24.0 go1.22.6 linux/amd64", "kind: 0.24.0 is too old, 0.32.0 or newer needed"),
    ("helm", "v3.14.4+g81c902a", "helm: 3.14.4 is too old, 3.18.6 or newer needed"),
    ("helm", "v4.0.1+g12500dd", "helm: 4.0.1 is not supported, use a release below 4.0.0"),
    ("helmfile", "helmfile version v0.169.2", "helmfile: 0.169.2 is too old, 1.0.0 or newer needed"),
    ("docker", "23.0.6", "docker: 23.0.6 is too old, 24.0.0 or newer needed"),
])
def test_a_too_old_or_unsupported_tool_is_named_with_the_version_needed(tmp_path, monkeypatch, name, output,
                                                                        expected):
    for tool, good in GOOD_TOOLS.items():
        _fake_tool(tmp_path, tool, output if tool == name else good)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(prerequisites.MissingToolsError) as caught:
        prerequisites.require(tuple(GOOD_TOOLS))
    lines = str(caught.value).splitlines()[1:]
    assert len(lines) == 1 and lines[0].strip().startswith(expected), lines


def test_a_docker_without_daemon_says_to_start_it(tmp_path, monkeypatch):
    _fake_tool(tmp_path, "docker", "Cannot connect to the Docker daemon at unix:///var/run/docker.sock", 1)
    monkeypatch.setenv("PATH", str(tmp_path))
    [line] = prerequisites.missing(("docker",))
    assert line.startswith("docker: installed but the daemon does not answer") and "Cannot connect" in line


def test_kubectl_may_be_one_minor_behind_the_pinned_node():
    major, minor = map(int, pins.kubernetes_version().split("."))
    assert prerequisites.TOOLS["kubectl"].minimum == (major, minor - 1, 0)


def test_published_services_have_host_urls():
    urls = cluster.service_urls()
    assert set(urls) == {"grafana", "prometheus", "argo-server", "s3"}
    assert all(url.startswith("http://127.0.0.1:") for url in urls.values())


@pytest.mark.parametrize("platform, runs_apt", [("kind", False), ("local", True)])
def test_make_install_runs_apt_only_for_the_local_backend(platform, runs_apt):
    # -n prints the recipe; -W pretends pyproject.toml changed so the install recipe is due.
    # A line holding $(MAKE) still runs under -n, but its sub-make inherits -n: dry as well.
    result = subprocess.run(["make", "-n", "-W", "pyproject.toml", "install", f"PLATFORM={platform}"],
                            cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "pip install" in result.stdout
    assert ("install-system-packages.sh" in result.stdout) is runs_apt


def test_the_e2e_preflight_names_wrk_when_it_is_missing(tmp_path, monkeypatch, capsys):
    # The load smoke of `make e2e PLATFORM=kind` shells out to wrk; the kind install skips system packages.
    for name, output in GOOD_TOOLS.items():
        _fake_tool(tmp_path, name, output)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert prerequisites.main(["--e2e"]) == 1
    out = capsys.readouterr().out
    assert "wrk: not found on PATH; Debian/Ubuntu: `sudo apt-get install wrk`" in out
    _fake_tool(tmp_path, "wrk", "wrk 4.1.0")
    assert not any(line.startswith("wrk:") for line in prerequisites.e2e_missing())
    assert prerequisites.main([]) == 0
