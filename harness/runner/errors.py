"""Why the local runner refuses a manifest or cannot run a step."""
from __future__ import annotations


class RunnerError(Exception):
    """Base of everything the local workflow runner raises."""


class ManifestError(RunnerError):
    """The manifest is not a valid Argo Workflow (missing or mistyped field)."""

    def __init__(self, path: str, problem: str):
        self.path = path
        super().__init__(f"{path}: {problem}")


class UnsupportedFieldError(ManifestError):
    """The manifest uses a part of the Argo spec the local runner does not implement.

    Refused rather than ignored: a manifest that runs locally must mean the same on a cluster.
    """

    def __init__(self, path: str, hint: str = ""):
        message = "not supported by the local workflow runner"
        if hint:
            message += f" ({hint})"
        message += "; run it on the kind backend or remove it"
        super().__init__(path, message)


class UnknownImageError(ManifestError):
    """An image the runner has no local command for."""


class StepError(RunnerError):
    """A step could not be run as specified (unresolved variable, missing artifact, unknown ConfigMap key)."""
