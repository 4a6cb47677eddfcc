"""SDK helpers that record the catalogue's standard metrics without typing their names.

Every helper takes a target, as `simplepipe.timer` does: a BackgroundPusher or MetricCollector
(`set`/`inc`), a Simplepipe list (items are appended), or a MetricSet.

    with simplepipe.BackgroundPusher(job="alice-training") as pusher, standard_metrics.run_time(pusher):
        standard_metrics.training_progress(pusher, epoch=3, reward=0.8)
        standard_metrics.model_quality(pusher, accuracy=0.93, loss=0.21)
        standard_metrics.items_processed(pusher, 120, item="images")
        standard_metrics.memory_used(pusher)
"""
from __future__ import annotations

import os
import resource
import sys
import time
from contextlib import contextmanager
from typing import Any, Iterator, Mapping

from simplepipe.sdk import Timing, timer
from simplepipe.spec import MetricSet
from simplepipe.standard_catalogue import catalogue


def record(target: Any, metric_id: str, value: float, labels: Mapping[str, str] | None = None) -> None:
    """Record `value` into the standard metric `metric_id` of `target` (counters are increased)."""
    entry = catalogue()[metric_id]
    labels = dict(labels or {})
    if entry.type == "counter" and hasattr(target, "inc"):
        target.inc(entry.name, value, labels=labels, help=entry.help)
    elif entry.type == "gauge" and hasattr(target, "set"):
        target.set(entry.name, value, labels=labels, help=entry.help)
    elif isinstance(target, list):
        item = {"name": entry.name, "description": entry.help, "value": value, "metric_type": entry.type}
        if labels:
            item["labels"] = labels
        target.append(item)
    elif isinstance(target, MetricSet):
        add = target.add_counter if entry.type == "counter" else target.add_gauge
        add(entry.name, value, labels, entry.help)
    else:
        raise TypeError(f"cannot record the {entry.type} {entry.name} into {type(target).__name__}")


@contextmanager
def run_time(target: Any, labels: Mapping[str, str] | None = None) -> Iterator[Timing]:
    """Time the block (also when it raises) into application_run_time_seconds."""
    entry = catalogue()["run_time"]
    with timer(target, entry.name, labels, entry.help) as timing:
        yield timing


def items_processed(target: Any, count: float, item: str | None = None,
                    labels: Mapping[str, str] | None = None) -> None:
    """Add `count` processed items (`item`: what they are, e.g. "images", "rows")."""
    record(target, "items_processed", count, _with(labels, item=item))


def bytes_processed(target: Any, count: float, labels: Mapping[str, str] | None = None) -> None:
    """Add `count` processed bytes."""
    record(target, "bytes_processed", count, labels)


def model_quality(target: Any, accuracy: float | None = None, loss: float | None = None,
                  labels: Mapping[str, str] | None = None) -> None:
    """The model's accuracy (a 0..1 ratio, not a percentage) and/or loss."""
    if accuracy is not None:
        if not 0 <= accuracy <= 1:
            raise ValueError(f"accuracy {accuracy!r} must be a ratio from 0 to 1 (not a percentage)")
        record(target, "model_accuracy", accuracy, labels)
    if loss is not None:
        record(target, "model_loss", loss, labels)


def training_progress(target: Any, epoch: float | None = None, reward: float | None = None,
                      labels: Mapping[str, str] | None = None) -> None:
    """The last completed epoch and/or the latest reward."""
    if epoch is not None:
        record(target, "training_epoch", epoch, labels)
    if reward is not None:
        record(target, "training_reward", reward, labels)


def memory_used(target: Any, used_bytes: float | None = None, labels: Mapping[str, str] | None = None) -> float:
    """Memory in use, in bytes: `used_bytes`, or this process' resident set size now. Returns the value."""
    value = resident_set_bytes() if used_bytes is None else used_bytes
    record(target, "memory_used", value, labels)
    return value


def job_outcome(target: Any, succeeded: bool, when: float | None = None,
                labels: Mapping[str, str] | None = None) -> None:
    """simplepipe_job_success (1/0) and the last success or failure time (`when`, default now)."""
    record(target, "job_success", 1 if succeeded else 0, labels)
    record(target, "job_last_success" if succeeded else "job_last_failure", time.time() if when is None else when,
           labels)


def resident_set_bytes() -> float:
    """This process' resident set size: /proc on Linux, else the peak that getrusage reports."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return float(int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE"))
    except (OSError, ValueError, IndexError):
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        # ru_maxrss is in kilobytes on Linux, in bytes on macOS.
        return float(peak if sys.platform == "darwin" else peak * 1024)


def _with(labels: Mapping[str, str] | None, **extra: str | None) -> dict[str, str]:
    merged = dict(labels or {})
    merged.update({k: v for k, v in extra.items() if v is not None})
    return merged
