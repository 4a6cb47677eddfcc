"""The Simplepipe image: its tag, and the one `docker build` both backends run.

The tag is the one the scenarios name (ghcr.io/simplepipe/simplepipe:<version>): on kind step pods find
it on the node and never pull it (the tag is not `latest`, so Kubernetes' pull policy is IfNotPresent);
the local runner maps it to the venv's `simplepipe`.

Built without attestations: an image with a provenance attestation is an index whose attestation manifest
`docker save` leaves out, and `kind load docker-image` then fails on Docker's containerd image store
("content digest ... not found", kind issue 3795).
"""
from __future__ import annotations

import os
import subprocess

from harness.errors import PlatformError
from harness.paths import REPO_ROOT
from simplepipe.version import __version__

REPOSITORY = "ghcr.io/simplepipe/simplepipe"
DOCKERFILE = REPO_ROOT / "simplepipe" / "Dockerfile"
BUILD_TIMEOUT = 1200
# BuildKit (which knows --provenance), and no default attestations even where a builder adds them on its own.
BUILD_ENV = {"DOCKER_BUILDKIT": "1", "BUILDX_NO_DEFAULT_ATTESTATIONS": "1"}


class ImageBuildError(PlatformError, RuntimeError):
    """`docker build` of the Simplepipe image failed or could not run."""


def image_tag() -> str:
    return f"{REPOSITORY}:{__version__}"


def build_command(docker: str, tag: str) -> list[str]:
    # --load: into the local image store, also when the default builder is not the daemon's.
    return [docker, "build", "--provenance=false", "--load", "--file", str(DOCKERFILE), "--tag", tag,
            str(REPO_ROOT)]


def build(docker: str) -> str:
    """Build the image (its output goes to the terminal); the tag built."""
    tag = image_tag()
    command = build_command(docker, tag)
    print(f"==> build {tag} (no provenance attestation): {' '.join(command)}", flush=True)
    try:
        result = subprocess.run(command, env={**os.environ, **BUILD_ENV}, timeout=BUILD_TIMEOUT)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ImageBuildError(f"docker build of {tag} could not finish: {exc}") from None
    if result.returncode != 0:
        raise ImageBuildError(f"docker build of {tag} failed (exit {result.returncode}); see its output above")
    return tag
