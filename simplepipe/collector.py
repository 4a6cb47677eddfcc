"""The seed's SDK entry point, kept source-compatible: MetricCollector(url).parse_and_push(...)."""
from __future__ import annotations

import threading
from typing import IO, Any, Mapping

from simplepipe import formats
from simplepipe.errors import InvalidMetricsError
from simplepipe.limits import InputLimits
from simplepipe.pushgateway import Pushgateway, PushReceipt
from simplepipe.spec import MetricSet


class MetricCollector:
    """Parses metrics (Simplepipe list, or any supported file) and pushes them to one Pushgateway.

    The address may be `host:port` or a URL; credentials come from SIMPLEPIPE_PUSHGATEWAY_* unless
    given as keyword arguments (those of `Pushgateway`).
    """

    def __init__(self, url: str | None = None, **gateway_options: Any) -> None:
        self.gateway = Pushgateway.from_env(url=url, **gateway_options)
        self._pending: list[dict] = []
        self._lock = threading.Lock()

    def parse(self, metrics: list[dict], source: str = "<metrics>") -> MetricSet:
        return formats.from_data(metrics, "simplepipe", source)

    def parse_and_push(self, metrics: list[dict], job_name: str,
                       grouping_key: Mapping[str, str] | None = None) -> PushReceipt:
        """Validate a Simplepipe list and replace the job's group with it (PUT)."""
        return self.gateway.push(self.parse(metrics), job_name, grouping_key)

    def load_and_push(self, fp: IO[str] | IO[bytes] | str, job_name: str,
                      grouping_key: Mapping[str, str] | None = None) -> PushReceipt:
        """Like parse_and_push, from an open file (or a path); the format is detected. Input limits come from
        $SIMPLEPIPE_MAX_INPUT_BYTES; every refusal is an InvalidMetricsError with the CLI's message."""
        limits = InputLimits.from_environ()
        if hasattr(fp, "read"):
            source = str(getattr(fp, "name", "<file>"))
            try:
                text = limits.read(fp, source)
            except UnicodeDecodeError:  # a file opened in text mode decodes while reading
                raise InvalidMetricsError("not UTF-8 text", source=source) from None
            if isinstance(text, bytes):
                text = formats.decode(text, source)
            metrics = formats.parse(text, None, source, limits)
        else:
            metrics = formats.load(fp, limits=limits)
        return self.gateway.push(metrics, job_name, grouping_key)

    def set(self, name: str, value: float, labels: Mapping[str, str] | None = None, help: str = "") -> None:
        """Remember a gauge for the next `push` (used by `simplepipe.timer`)."""
        item = {"name": name, "description": help, "value": value, "metric_type": "gauge"}
        if labels:
            item["labels"] = dict(labels)
        with self._lock:
            self._pending = [i for i in self._pending
                             if (i["name"], i.get("labels")) != (name, item.get("labels"))] + [item]

    def inc(self, name: str, amount: float = 1.0, labels: Mapping[str, str] | None = None, help: str = "") -> None:
        """Increase a counter for the next `push` (used by simplepipe.standard_metrics)."""
        item = {"name": name, "description": help, "value": amount, "metric_type": "counter"}
        if labels:
            item["labels"] = dict(labels)
        key = (name, item.get("labels"))
        with self._lock:
            current = next((i for i in self._pending if (i["name"], i.get("labels")) == key), None)
            if current is not None:
                item["value"] = current["value"] + amount
            self._pending = [i for i in self._pending if (i["name"], i.get("labels")) != key] + [item]

    def push(self, job_name: str, grouping_key: Mapping[str, str] | None = None) -> PushReceipt:
        """Push what `set` remembered (PUT)."""
        with self._lock:
            pending = list(self._pending)
        return self.parse_and_push(pending, job_name, grouping_key)
