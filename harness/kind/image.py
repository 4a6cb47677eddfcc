"""The Simplepipe image on kind: built (harness.image, as for every backend) and loaded into the kind node."""
from __future__ import annotations

from harness import image
from harness.kind import cluster, prerequisites


def build_and_load(tools: dict[str, str] | None = None, kind: cluster.KindCluster | None = None) -> str:
    """Build the image and load it into the kind node (`make image`, and a step of `make up`)."""
    tools = tools or prerequisites.require(("docker", "kind"))
    kind = kind or cluster.KindCluster(tools)
    if not kind.exists():
        raise cluster.ClusterError(f"there is no kind cluster {kind.config.name} to load the image into; "
                                   "run `make up PLATFORM=kind` (it builds and loads the image too)")
    tag = image.build(tools["docker"])
    kind.load_image(tag)
    return tag
