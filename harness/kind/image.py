"""The Simplepipe image, built from simplepipe/Dockerfile and loaded into the kind node.

The tag is the one the scenarios name (ghcr.io/simplepipe/simplepipe:<version>), so
step pods find it on the node and never pull it (the tag is not `latest`, so
Kubernetes' default pull policy is IfNotPresent).

Built without attestations: an image with a provenance attestation is an index whose
attestation manifest `docker save` leaves out, and `kind load docker-image` then fails
on Docker's containerd image store ("content digest ... not found", kind issue 3795).
"""
from __future__ import annotations

from harness.kind import cluster, prerequisites
from harness.tenants import REPO_ROOT

REPOSITORY = "ghcr.io/simplepipe/simplepipe"
DOCKERFILE = REPO_ROOT / "simplepipe" / "Dockerfile"
BUILD_TIMEOUT = 1200
# BuildKit (which knows --provenance), and no default attestations even where a builder
# adds them on its own.
BUILD_ENV = {"DOCKER_BUILDKIT": "1", "BUILDX_NO_DEFAULT_ATTESTATIONS": "1"}


def image_tag() -> str:
    from simplepipe import __version__

    return f"{REPOSITORY}:{__version__}"


def build_command(docker: str, tag: str) -> list[str]:
    # --load: into the local image store, also when the default builder is not the daemon's.
    return [docker, "build", "--provenance=false", "--load", "--file", str(DOCKERFILE), "--tag", tag,
            str(REPO_ROOT)]


def build(docker: str) -> str:
    tag = image_tag()
    cluster.run(build_command(docker, tag), f"build {tag} (no provenance attestation)", timeout=BUILD_TIMEOUT,
                env=BUILD_ENV)
    return tag


def build_and_load(tools: dict[str, str] | None = None, kind: cluster.KindCluster | None = None) -> str:
    """Build the image and load it into the kind node (`make image`, and a step of `make up`)."""
    tools = tools or prerequisites.require(("docker", "kind"))
    kind = kind or cluster.KindCluster(tools)
    if not kind.exists():
        raise cluster.ClusterError(f"there is no kind cluster {kind.config.name} to load the image into; "
                                   "run `make up PLATFORM=kind` (it builds and loads the image too)")
    tag = build(tools["docker"])
    kind.load_image(tag)
    return tag
