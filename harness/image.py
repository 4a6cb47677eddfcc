"""The project's images, their tags, and the one `docker build` every backend runs.

- The Simplepipe image (simplepipe/Dockerfile): the tag the scenarios name (ghcr.io/simplepipe/simplepipe:<version>).
  On kind step pods find it on the node and never pull it (the tag is not `latest`, so Kubernetes' pull policy is
  IfNotPresent); the local runner maps it to the venv's `simplepipe`.
- The load generator's image (load/Dockerfile): the Simplepipe image plus Locust at the version pyproject.toml
  pins and the load/ package, run by the in-cluster load (`make load PLATFORM=kind LOAD_ARGS="--workers N"`). It is
  built FROM the Simplepipe image, so after it.

Built without attestations: an image with a provenance attestation is an index whose attestation manifest
`docker save` leaves out, and `kind load docker-image` then fails on Docker's containerd image store
("content digest ... not found", kind issue 3795).
"""
from __future__ import annotations

import os
import re
import subprocess
import tomllib
from dataclasses import dataclass
from pathlib import Path

from harness.errors import PlatformError
from harness.paths import REPO_ROOT
from simplepipe.version import __version__

REPOSITORY = "ghcr.io/simplepipe/simplepipe"
DOCKERFILE = REPO_ROOT / "simplepipe" / "Dockerfile"
LOAD_REPOSITORY = "ghcr.io/simplepipe/simplepipe-load"
LOAD_DOCKERFILE = REPO_ROOT / "load" / "Dockerfile"
BUILD_TIMEOUT = 1200
# BuildKit (which knows --provenance), and no default attestations even where a builder adds them on its own.
BUILD_ENV = {"DOCKER_BUILDKIT": "1", "BUILDX_NO_DEFAULT_ATTESTATIONS": "1"}


class ImageBuildError(PlatformError, RuntimeError):
    """`docker build` of one of the project's images failed or could not run."""


@dataclass(frozen=True)
class Image:
    """One of the project's images: where its Dockerfile is, its repository, and the build arguments it takes."""

    name: str
    repository: str
    dockerfile: Path

    @property
    def tag(self) -> str:
        return f"{self.repository}:{__version__}"

    def build_args(self) -> dict[str, str]:
        if self.dockerfile == LOAD_DOCKERFILE:
            return {"SIMPLEPIPE_IMAGE": SIMPLEPIPE.tag, "LOCUST_VERSION": pinned_version("locust")}
        return {}


SIMPLEPIPE = Image("Simplepipe", REPOSITORY, DOCKERFILE)
LOAD = Image("load generator", LOAD_REPOSITORY, LOAD_DOCKERFILE)
# In build order: the load generator's image is built FROM the Simplepipe image.
IMAGES = (SIMPLEPIPE, LOAD)


def image_tag() -> str:
    """The Simplepipe image's tag (what the scenarios and the platform's own pods run)."""
    return SIMPLEPIPE.tag


def pinned_version(package: str, pyproject: Path = REPO_ROOT / "pyproject.toml") -> str:
    """The exact version pyproject.toml pins a dependency at (`package==X`), so an image installs what the venv has."""
    data = tomllib.loads(pyproject.read_text())
    requirements = [*data["project"].get("dependencies", []),
                    *(r for extra in data["project"].get("optional-dependencies", {}).values() for r in extra)]
    for requirement in requirements:
        match = re.fullmatch(rf"{re.escape(package)}==([0-9][0-9A-Za-z.]*)", requirement.replace(" ", ""))
        if match:
            return match[1]
    raise ImageBuildError(f"{pyproject.name} pins no exact version of {package} (`{package}==X`): an image could not "
                          "install what the venv runs")


def build_command(docker: str, tag: str, image: Image = SIMPLEPIPE) -> list[str]:
    # --load: into the local image store, also when the default builder is not the daemon's.
    arguments = [f"--build-arg={name}={value}" for name, value in image.build_args().items()]
    return [docker, "build", "--provenance=false", "--load", "--file", str(image.dockerfile), *arguments,
            "--tag", tag, str(REPO_ROOT)]


def build(docker: str, image: Image = SIMPLEPIPE) -> str:
    """Build the image (its output goes to the terminal); the tag built."""
    tag = image.tag
    command = build_command(docker, tag, image)
    print(f"==> build the {image.name} image {tag} (no provenance attestation): {' '.join(command)}", flush=True)
    try:
        result = subprocess.run(command, env={**os.environ, **BUILD_ENV}, timeout=BUILD_TIMEOUT)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ImageBuildError(f"docker build of {tag} could not finish: {exc}") from None
    if result.returncode != 0:
        raise ImageBuildError(f"docker build of {tag} failed (exit {result.returncode}); see its output above")
    return tag
