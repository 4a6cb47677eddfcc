"""Why the local platform cannot come up, or cannot be reached: each message says what to do."""
from __future__ import annotations

from harness.errors import NotReadyError, PlatformError, ProcessExitedError

__all__ = ["LocalPlatformError", "SettingsError", "BinaryNotFoundError", "ChecksumMismatchError", "PortInUseError",
           "ProcessExitedError", "NotReadyError", "NotRunningError"]


class LocalPlatformError(PlatformError):
    """Base of everything the local backend raises."""


class SettingsError(LocalPlatformError):
    """platform/local/platform.yaml is missing a setting or has a wrong one."""


class BinaryNotFoundError(LocalPlatformError):
    """A server binary is neither installed nor downloadable."""


class ChecksumMismatchError(LocalPlatformError):
    """A downloaded release does not match its published checksum."""


class PortInUseError(LocalPlatformError):
    """A configured port is taken by a process the platform did not start."""


class NotRunningError(LocalPlatformError):
    """The local platform is not up (no state, or its processes are gone)."""
