"""`make image`: the Simplepipe image, built from simplepipe/Dockerfile and loaded into kind.

The tag is the one the scenarios name (ghcr.io/simplepipe/simplepipe:<version>), so
step pods find it on the node and never pull it (the tag is not `latest`, so
Kubernetes' default pull policy is IfNotPresent).
"""
from __future__ import annotations

from harness.kind import cluster, prerequisites
from harness.tenants import REPO_ROOT

REPOSITORY = "ghcr.io/simplepipe/simplepipe"
DOCKERFILE = REPO_ROOT / "simplepipe" / "Dockerfile"


def image_tag() -> str:
    from simplepipe import __version__

    return f"{REPOSITORY}:{__version__}"


def build_and_load() -> str:
    tools = prerequisites.require(("docker", "kind"))
    tag = image_tag()
    cluster.run([tools["docker"], "build", "--file", str(DOCKERFILE), "--tag", tag, str(REPO_ROOT)],
                f"build {tag}")
    kind = cluster.KindCluster(tools)
    if not kind.exists():
        raise cluster.ClusterError(f"built {tag}, but there is no kind cluster {kind.config.name} to load it "
                                   "into; run `make up PLATFORM=kind` first, then `make image`")
    kind.load_image(tag)
    return tag
