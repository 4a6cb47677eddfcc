"""The load generator's image: built by the one image builder (harness/image.py) FROM the Simplepipe image with the
Locust version pyproject.toml pins, after the Simplepipe image, and loaded into kind like it (stand-in docker and
kind that record their arguments: no Docker needed)."""
from __future__ import annotations

import importlib.metadata
import json
import sys

import pytest

from harness import image
from harness.kind import cluster
from harness.kind import image as kind_image
from tests.support.stand_in_kind import fake_kind


def test_the_load_image_is_built_from_the_simplepipe_image_with_the_pinned_locust():
    command = image.build_command("docker", image.LOAD.tag, image.LOAD)
    assert command[command.index("--file") + 1] == str(image.LOAD_DOCKERFILE)
    assert f"--build-arg=SIMPLEPIPE_IMAGE={image.image_tag()}" in command
    # What the venv runs locally is what the pods run.
    assert f"--build-arg=LOCUST_VERSION={importlib.metadata.version('locust')}" in command
    assert "--provenance=false" in command and command[-1] == str(image.REPO_ROOT)
    dockerfile = image.LOAD_DOCKERFILE.read_text()
    assert "FROM ${SIMPLEPIPE_IMAGE}" in dockerfile and '"locust==${LOCUST_VERSION}"' in dockerfile
    assert image.IMAGES.index(image.SIMPLEPIPE) < image.IMAGES.index(image.LOAD)


def test_a_dependency_pyproject_does_not_pin_exactly_is_refused(tmp_path):
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\ndependencies = ["locust>=2.30"]\n')
    with pytest.raises(image.ImageBuildError, match="pins no exact version of locust"):
        image.pinned_version("locust", pyproject)


def test_make_image_builds_both_in_order_and_loads_each_into_kind(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "kube" / "config"))
    kind_path, state = fake_kind(tmp_path)
    builds = tmp_path / "builds.json"
    docker = tmp_path / "bin" / "docker"
    docker.write_text(f"#!{sys.executable}\nimport json, sys\nfrom pathlib import Path\np = Path({str(builds)!r})\n"
                      "calls = json.loads(p.read_text()) if p.exists() else []\n"
                      "p.write_text(json.dumps(calls + [sys.argv[1:]]))\n")
    docker.chmod(0o755)
    kind = cluster.KindCluster({"kind": kind_path, "kubectl": "kubectl"})
    kind.create()
    tags = kind_image.build_and_load({"docker": str(docker), "kind": kind_path}, kind)
    assert tags == [image.image_tag(), image.LOAD.tag]
    built = [call[call.index("--tag") + 1] for call in json.loads(builds.read_text())]
    loaded = [call[-1] for call in json.loads(state.read_text()) if call[:2] == ["load", "docker-image"]]
    assert built == loaded == tags
