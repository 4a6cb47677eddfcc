"""`make up|down PLATFORM=kind` drive kind the intended way (through pytest-kind), checked
against a stand-in `kind` that records its arguments: no cluster or Docker needed."""
from __future__ import annotations

import json

import pytest

from harness import image
from harness.kind import cluster, constants
from tests.support.stand_in_kind import fake_kind

@pytest.fixture
def scratch(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # pytest-kind keeps ./.pytest-kind/<name>
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "kube" / "config"))
    return tmp_path


def test_create_uses_kind_yaml_and_its_pinned_node_image_then_reuses(scratch):
    kind_path, state = fake_kind(scratch)
    kind = cluster.KindCluster({"kind": kind_path, "kubectl": "kubectl"})
    kind.create()
    kind.create()  # exists now: reused, not created again
    creates = [c for c in json.loads(state.read_text()) if c[:2] == ["create", "cluster"]]
    assert len(creates) == 1
    [create] = creates
    assert "--name=simplepipe" in create and f"--kubeconfig={scratch / 'kube' / 'config'}" in create
    assert create[create.index("--config") + 1] == str(constants.KIND_CONFIG)
    # The node image comes from kind.yaml only (an --image would override it).
    assert not any(arg.startswith("--image") for arg in create)


def test_image_is_built_without_attestations_and_loaded_into_the_cluster(scratch):
    kind_path, state = fake_kind(scratch)
    kind = cluster.KindCluster({"kind": kind_path, "kubectl": "kubectl"})
    kind.create()
    command = image.build_command("docker", image.image_tag())
    assert "--provenance=false" in command and image.BUILD_ENV["BUILDX_NO_DEFAULT_ATTESTATIONS"] == "1"
    kind.load_image(image.image_tag())
    loads = [c for c in json.loads(state.read_text()) if c[:2] == ["load", "docker-image"]]
    assert loads == [["load", "docker-image", "--name", "simplepipe", image.image_tag()]]


def test_delete_removes_only_an_existing_cluster(scratch, capsys):
    kind_path, state = fake_kind(scratch)
    kind = cluster.KindCluster({"kind": kind_path})
    kind.delete()
    assert "nothing to delete" in capsys.readouterr().out
    kind.create()
    kind.delete()
    deletes = [c for c in json.loads(state.read_text()) if c[:2] == ["delete", "cluster"]]
    assert len(deletes) == 1 and "--name=simplepipe" in deletes[0]


def test_a_hanging_kind_is_stopped_at_its_deadline(scratch, monkeypatch):
    kind_path, _ = fake_kind(scratch, slow=True)
    kind = cluster.KindCluster({"kind": kind_path})
    monkeypatch.setattr(cluster.KindCluster, "CREATE_TIMEOUT", 1.5)
    with pytest.raises(cluster.ClusterError, match="no result after 2 s"):
        kind.create()


def test_pods_not_running_goes_through_pytest_kinds_kubectl(scratch):
    kubectl = scratch / "kubectl"
    kubectl.write_text("#!/bin/sh\nprintf '%s\\n' 'NAMESPACE NAME READY STATUS' "
                       "'argo argo-server-1 1/1 Running' 'alice wf-1 0/2 ImagePullBackOff' "
                       "'argo crd-install-1 0/1 Completed' \"context=$2 kubeconfig=$KUBECONFIG\"\n")
    kubectl.chmod(0o755)
    kind_path, _ = fake_kind(scratch)
    kind = cluster.KindCluster({"kind": kind_path, "kubectl": str(kubectl)})
    lines = kind.pods_not_running().splitlines()
    assert lines[0].startswith("NAMESPACE") and "alice wf-1 0/2 ImagePullBackOff" in lines
    assert not any("Running" in line or "Completed" in line for line in lines)
    assert f"context={constants.KUBE_CONTEXT} kubeconfig={scratch / 'kube' / 'config'}" in lines


def test_sync_applies_argos_crds_from_the_verified_chart_before_helmfile(scratch):
    from harness.kind import charts

    if not charts.cache_present():
        pytest.skip("no chart cache (.cache/charts): `make charts` assembles it from GitHub or git mirrors")
    calls = scratch / "calls.txt"
    tools = {}
    for name in ("kubectl", "helmfile"):
        tool = scratch / name
        tool.write_text(f"#!/bin/sh\necho {name} \"$@\" >> {calls}\n")
        tool.chmod(0o755)
        tools[name] = str(tool)
    kind_path, _ = fake_kind(scratch)
    cluster.KindCluster({"kind": kind_path, **tools}).sync()
    kubectl, helmfile = calls.read_text().splitlines()
    crds = charts.load_lock()[constants.ARGO_RELEASE].cache_dir() / constants.ARGO_FULL_CRDS
    assert kubectl == f"kubectl --context {constants.KUBE_CONTEXT} apply --server-side --force-conflicts -f {crds}"
    assert helmfile.startswith("helmfile --file") and helmfile.endswith("sync")
