"""The local backend: Prometheus, one Pushgateway per tenant and an S3 server as local processes."""
from harness.local.errors import (BinaryNotFoundError, ChecksumMismatchError, LocalPlatformError, NotReadyError,
                                  NotRunningError, PortInUseError, ProcessExitedError, SettingsError)
from harness.local.platform import DEFAULT_STATE_DIR, LocalPlatform

__all__ = ["LocalPlatform", "DEFAULT_STATE_DIR", "LocalPlatformError", "BinaryNotFoundError", "ChecksumMismatchError",
           "NotReadyError", "NotRunningError", "PortInUseError", "ProcessExitedError", "SettingsError"]
