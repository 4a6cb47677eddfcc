"""Simplepipe: validate metrics and push them to a tenant's Prometheus Pushgateway."""
from simplepipe.collector import MetricCollector
from simplepipe.errors import (
    GatewayRefusedError,
    GatewayUnreachableError,
    InvalidMetricsError,
    SimplepipeError,
    UsageError,
)
from simplepipe.formats import load
from simplepipe.grouping_key import GroupingKey
from simplepipe.identity import WorkflowIdentity
from simplepipe.pushgateway import Pushgateway
from simplepipe.sdk import BackgroundPusher, Timing, timer
from simplepipe.spec import MetricSet, MetricType
from simplepipe.version import __version__

# The contract's other name for the background pusher.
JobReporter = BackgroundPusher

__all__ = [
    "BackgroundPusher", "GatewayRefusedError", "GatewayUnreachableError", "GroupingKey", "InvalidMetricsError",
    "JobReporter", "MetricCollector", "MetricSet", "MetricType", "Pushgateway", "SimplepipeError", "Timing",
    "UsageError", "WorkflowIdentity", "__version__", "load", "timer",
]
