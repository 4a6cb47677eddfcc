"""SDK for the concurrent design: time a block into a gauge, and push periodically from a running job."""
from __future__ import annotations

import math
import sys
import threading
import time
from contextlib import contextmanager
from typing import Any, Iterator, Mapping

from simplepipe.errors import InvalidMetricsError, SimplepipeError, UsageError
from simplepipe.grouping_key import GroupingKey
from simplepipe.pushgateway import Pushgateway, PushReceipt
from simplepipe.spec import MetricSet
from simplepipe.standard_catalogue import catalogue

# The job outcome series are standard metrics (simplepipe/standard.yaml): names and HELP come from there.
SUCCESS, LAST_SUCCESS, LAST_FAILURE = (catalogue()[i] for i in ("job_success", "job_last_success", "job_last_failure"))
OUTCOME = (SUCCESS.name, LAST_SUCCESS.name, LAST_FAILURE.name)


class Timing:
    """What `timer` yields; `seconds` is set when the block ends."""

    seconds: float | None = None


@contextmanager
def timer(target: Any, name: str = "application_run_time_seconds",
          labels: Mapping[str, str] | None = None, help: str = "Run time of the block, in seconds") -> Iterator[Timing]:
    """Time the block (also when it raises) into gauge `name` of `target`: a BackgroundPusher or
    MetricCollector (anything with `.set`), a Simplepipe list (appended to), a MetricSet, or a dict."""
    if not (hasattr(target, "set") or isinstance(target, (list, MetricSet, dict))):
        # Refused before the block runs: after it, this error would hide the block's own exception.
        raise UsageError(f"timer cannot record into {type(target).__name__}")
    timing = Timing()
    start = time.perf_counter()
    try:
        yield timing
    finally:
        timing.seconds = time.perf_counter() - start
        if hasattr(target, "set"):
            target.set(name, timing.seconds, labels=labels, help=help)
        elif isinstance(target, list):
            item = {"name": name, "description": help, "value": timing.seconds, "metric_type": "gauge"}
            if labels:
                item["labels"] = dict(labels)
            target.append(item)
        elif isinstance(target, MetricSet):
            target.add_gauge(name, timing.seconds, labels, help)
        else:
            target[name] = timing.seconds


class BackgroundPusher:
    """Pushes a job's gauges and counters every `interval` seconds from a daemon thread, and once
    more at exit with the job's outcome:

    - success: the group is replaced (PUT) with the metrics, `simplepipe_job_success 1` and
      `simplepipe_job_last_success_timestamp_seconds`;
    - failure (the block raised): added (POST) with `simplepipe_job_success 0` and
      `simplepipe_job_last_failure_timestamp_seconds`, so the last success time stays visible;
      the exception propagates after the push.

    Periodic pushes are POSTs too, so they never erase the previous run's outcome. A periodic push
    makes one attempt (the next tick is its retry); the final one retries as the gateway says. So
    leaving the `with` block takes at most one timeout (a periodic attempt in flight) plus the
    gateway's `worst_case_seconds`. A pusher can be used again after it stopped, not twice at once.
    """

    def __init__(self, job: str, interval: float = 2.0, gateway: Pushgateway | str | None = None,
                 grouping_key: Mapping[str, str] | None = None, raise_on_push_error: bool = True) -> None:
        if isinstance(interval, bool) or not isinstance(interval, (int, float)) or not math.isfinite(interval) \
                or interval <= 0:
            raise UsageError(f"interval must be a finite number of seconds > 0, not {interval!r}")
        self.key = GroupingKey.of(job, grouping_key)  # a bad job or label fails here, not at a push
        if isinstance(gateway, Pushgateway):
            self.gateway = gateway
        else:
            self.gateway = Pushgateway.from_env(url=gateway)
        self.job = job
        self.interval = float(interval)
        self.grouping_key = dict(self.key.labels)
        self.raise_on_push_error = raise_on_push_error
        self.pushes = 0
        self.last_error: SimplepipeError | None = None
        self._values: dict[tuple, tuple[str, str, dict[str, str], float, str]] = {}
        # Every series accepted so far, with the outcome gauges: a call that would make the rendered
        # metrics clash is refused here, instead of every later push failing.
        self._accepted = MetricSet("<BackgroundPusher>")
        for name in OUTCOME:
            self._accepted.add_gauge(name, 0)
        self._lock = threading.Lock()
        self._push_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def set(self, name: str, value: float, labels: Mapping[str, str] | None = None, help: str = "") -> None:
        """Set a gauge (thread-safe); invalid names or labels, or a name that clashes with an accepted
        metric, raise InvalidMetricsError right here (and nothing is recorded)."""
        self._record("gauge", name, value, labels, help, add=False)

    def inc(self, name: str, amount: float = 1.0, labels: Mapping[str, str] | None = None, help: str = "") -> None:
        """Increase a counter (thread-safe); pushed as `<name>_total`. Refused like `set`."""
        self._record("counter", name, amount, labels, help, add=True)

    def _record(self, kind: str, name: str, value: float, labels: Mapping[str, str] | None, help: str,
                add: bool) -> None:
        probe = MetricSet("<BackgroundPusher>")
        (probe.add_counter if kind == "counter" else probe.add_gauge)(name, value, labels, help)
        labels = dict(labels or {})
        if name in OUTCOME:
            raise InvalidMetricsError("the BackgroundPusher sets this metric itself", source=probe.source,
                                      name=name, field="name")
        clash = set(labels) & set(self.grouping_key)
        if clash:
            label = sorted(clash)[0]
            raise InvalidMetricsError(f"label {label!r} is also in the grouping key", source=probe.source,
                                      name=name, field=f"labels.{label}")
        key = (kind, name, tuple(sorted(labels.items())))
        with self._lock:
            current = self._values.get(key)
            if current is None:
                (self._accepted.add_counter if kind == "counter" else self._accepted.add_gauge)(name, 0, labels)
            number = float(value) + (current[3] if add and current else 0.0)
            self._values[key] = (kind, name, labels, number, help)

    def snapshot(self) -> MetricSet:
        with self._lock:
            values = list(self._values.values())
        metrics = MetricSet("<BackgroundPusher>")
        for kind, name, labels, value, help_text in values:
            (metrics.add_counter if kind == "counter" else metrics.add_gauge)(name, value, labels, help_text)
        return metrics

    def push_now(self, outcome: bool | None = None, retries: int | None = None) -> PushReceipt:
        """Push the current values; with an outcome, also the job's success series (see the class)."""
        metrics = self.snapshot()
        if outcome is not None:
            now = time.time()
            metrics.add_gauge(SUCCESS.name, 1 if outcome else 0, None, SUCCESS.help)
            last = LAST_SUCCESS if outcome else LAST_FAILURE
            metrics.add_gauge(last.name, now, None, last.help)
        with self._push_lock:
            if outcome:
                receipt = self.gateway.push(metrics, self.job, self.grouping_key, retries=retries)
            else:
                receipt = self.gateway.pushadd(metrics, self.job, self.grouping_key, retries=retries)
            self.pushes += 1
            return receipt

    def start(self) -> "BackgroundPusher":
        """Start the periodic pushes; again after `stop`, but refused while running."""
        if self._thread is not None:
            raise UsageError(f"this BackgroundPusher (job {self.job!r}) is already running: "
                             "one `with` block (or start/stop pair) at a time")
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"simplepipe-pusher-{self.job}", daemon=True)
        self._thread.start()
        return self

    def stop(self, outcome: bool = True) -> PushReceipt:
        """Stop the periodic pushes and push the final values with the outcome."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        return self.push_now(outcome)

    def __enter__(self) -> "BackgroundPusher":
        return self.start()

    def __exit__(self, exc_type: type | None, exc: BaseException | None, tb: object) -> bool:
        try:
            self.stop(outcome=exc_type is None)
        except SimplepipeError as error:
            self.last_error = error
            if exc_type is None and self.raise_on_push_error:
                raise
            print(f"simplepipe: final push failed: {error}", file=sys.stderr)
        return False

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.push_now(retries=0)
            except SimplepipeError as error:
                # A missed periodic push is retried at the next tick; the job keeps running.
                self.last_error = error
                print(f"simplepipe: periodic push failed: {error}", file=sys.stderr)
