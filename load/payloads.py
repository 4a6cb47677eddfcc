"""The three payloads a simulated workflow pushes, and what the gateway must hold after each push.

A payload is a function of the push's sequence number, so the last sequence a workflow pushed
is all the nothing-lost check needs to know every value it must find.
"""
from __future__ import annotations

from dataclasses import dataclass

from simplepipe.formats import simplepipe_list
from simplepipe.spec import MetricSet

SEQUENCE_METRIC = "simplepipe_load_sequence"
MEDIUM_GAUGES = 99           # + the sequence gauge = 100 metrics
LARGE_HISTOGRAMS = 99        # each: 98 finite buckets + +Inf + _sum + _count = 101 samples
LARGE_FINITE_BUCKETS = 98    # 99 * 101 + the sequence gauge = 10,000 samples
KINDS = ("small", "medium", "large")
# Push-path series the Pushgateway adds to every group; not part of what a workflow pushed.
GATEWAY_SERIES = ("push_time_seconds", "push_failure_time_seconds")


class UnknownPayloadError(ValueError):
    """A payload kind other than small, medium or large."""


@dataclass(frozen=True)
class Digest:
    """What a group holds after a push: its sample count and the sum of its sample values."""

    sequence: int
    series: int
    value_sum: float


def _bucket_bounds() -> list[float]:
    # 1 ms .. ~5.6 h, 4 buckets per doubling: the shape of a fine-grained latency histogram.
    return [float(f"{0.001 * 2 ** (j / 4):.4g}") for j in range(LARGE_FINITE_BUCKETS)]


BUCKET_BOUNDS = _bucket_bounds()


def metrics(kind: str, sequence: int) -> list[dict]:
    """The payload in Simplepipe's list format, as a workflow step would write it."""
    items = [_gauge(SEQUENCE_METRIC, "Sequence number of the load generator's push", sequence)]
    if kind == "small":
        items.append(_gauge("simplepipe_load_run_time_seconds", "Simulated run time", sequence + 0.25))
    elif kind == "medium":
        items += [
            _gauge(f"simplepipe_load_gauge_{i:02d}", f"Simulated gauge {i}", sequence + i)
            for i in range(1, MEDIUM_GAUGES + 1)
        ]
    elif kind == "large":
        items += [_histogram(i, sequence) for i in range(1, LARGE_HISTOGRAMS + 1)]
    else:
        raise UnknownPayloadError(f"unknown payload kind {kind!r}; one of: {', '.join(KINDS)}")
    return items


def metric_set(kind: str, sequence: int) -> MetricSet:
    """The payload parsed and validated by Simplepipe, as its CLI would before pushing."""
    return simplepipe_list.convert(metrics(kind, sequence), source=f"load {kind} payload #{sequence}")


def exposition(kind: str, sequence: int) -> bytes:
    """The payload's bytes on the wire (Prometheus text format), as Simplepipe's client sends them."""
    return metric_set(kind, sequence).to_exposition()


def digest(kind: str, sequence: int) -> Digest:
    """Sample count and value sum the gateway (and Prometheus) must show for this push."""
    values = [sequence]
    if kind == "small":
        values.append(sequence + 0.25)
    elif kind == "medium":
        values += [sequence + i for i in range(1, MEDIUM_GAUGES + 1)]
    elif kind == "large":
        for i in range(1, LARGE_HISTOGRAMS + 1):
            counts = _bucket_counts(sequence)
            values += counts + [counts[-1], counts[-1]]  # cumulative buckets incl. +Inf, _count
            values.append(_histogram_sum(i, sequence))
    else:
        raise UnknownPayloadError(f"unknown payload kind {kind!r}; one of: {', '.join(KINDS)}")
    return Digest(sequence=sequence, series=len(values), value_sum=float(sum(values)))


def _gauge(name: str, description: str, value: float) -> dict:
    return {"name": name, "description": description, "value": value, "metric_type": "gauge"}


def _bucket_counts(sequence: int) -> list[int]:
    """Cumulative counts of the finite buckets; +Inf and _count repeat the last one."""
    return [sequence + j for j in range(LARGE_FINITE_BUCKETS)]


def _histogram_sum(index: int, sequence: int) -> float:
    return (sequence + LARGE_FINITE_BUCKETS) * 0.5 + index


def _histogram(index: int, sequence: int) -> dict:
    counts = _bucket_counts(sequence)
    return {
        "name": f"simplepipe_load_histogram_{index:02d}_seconds",
        "description": f"Simulated step durations {index}",
        "metric_type": "histogram",
        "buckets": BUCKET_BOUNDS,
        "bucket_counts": counts,  # cumulative; the +Inf bucket is the count
        "count": counts[-1],
        "sum": _histogram_sum(index, sequence),
    }
