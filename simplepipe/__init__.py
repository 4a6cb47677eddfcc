"""Simplepipe: validate metrics and push them to a tenant's Prometheus Pushgateway."""
__version__ = "0.1.0"

from simplepipe.collector import MetricCollector  # noqa: E402
from simplepipe.errors import (  # noqa: E402
    GatewayRefusedError,
    GatewayUnreachableError,
    InvalidMetricsError,
    SimplepipeError,
    UsageError,
)
from simplepipe.formats import load  # noqa: E402
from simplepipe.grouping_key import GroupingKey  # noqa: E402
from simplepipe.identity import WorkflowIdentity  # noqa: E402
from simplepipe.pushgateway import Pushgateway  # noqa: E402
from simplepipe.sdk import BackgroundPusher, Timing, timer  # noqa: E402
from simplepipe.spec import MetricSet, MetricType  # noqa: E402

# The contract's other name for the background pusher.
JobReporter = BackgroundPusher

__all__ = [
    "BackgroundPusher", "GatewayRefusedError", "GatewayUnreachableError", "GroupingKey", "InvalidMetricsError",
    "JobReporter", "MetricCollector", "MetricSet", "MetricType", "Pushgateway", "SimplepipeError", "Timing",
    "UsageError", "WorkflowIdentity", "load", "timer",
]
