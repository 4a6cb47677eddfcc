"""Errors a user of the harness can act on, whatever the backend: the CLI prints them as one line."""
from __future__ import annotations


class PlatformError(Exception):
    """Base of every error that means "the platform cannot do this now", with a message saying why."""


class ProcessExitedError(PlatformError):
    """A server exited while the harness waited for it to become ready."""


class NotReadyError(PlatformError, TimeoutError):
    """A server did not become ready within its timeout."""


class UnavailableError(PlatformError):
    """What was asked for is not something this platform, as configured, has (the message says why)."""


class PlatformNotUpError(PlatformError):
    """The platform a command needs is not running (`make up` starts it)."""


class WorkflowNotFoundError(PlatformError):
    """No workflow of that name in the tenant's namespace: not there, deleted, or another tenant's."""


class ManifestRefusedError(PlatformError):
    """The backend refused a workflow manifest; the message names the field, as the backend said it."""


class AccessDeniedError(PlatformError):
    """The backend refused the tenant's credentials for what was asked (e.g. another tenant's namespace)."""
