"""The project's images on kind: built (harness.image, as for every backend) and loaded into the kind node."""
from __future__ import annotations

from harness import image
from harness.kind import cluster, prerequisites


def build_and_load(tools: dict[str, str] | None = None, kind: cluster.KindCluster | None = None,
                   images: tuple[image.Image, ...] = image.IMAGES) -> list[str]:
    """Build the images (in order: the load generator's is FROM the Simplepipe image) and load each into the kind
    node (`make image`, a step of `make up`, and before an in-cluster load); the tags loaded."""
    tools = tools or prerequisites.require(("docker", "kind"))
    kind = kind or cluster.KindCluster(tools)
    if not kind.exists():
        raise cluster.ClusterError(f"there is no kind cluster {kind.config.name} to load the images into; "
                                   "run `make up PLATFORM=kind` (it builds and loads them too)")
    tags = []
    for one in images:
        tag = image.build(tools["docker"], one)
        kind.load_image(tag)
        tags.append(tag)
    return tags
