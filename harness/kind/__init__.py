"""The kind (Kubernetes) backend: a helmfile on a kind cluster, and KindPlatform (harness.kind.platform).

Shared names live in harness.kind.constants, a leaf every module here imports downward."""
