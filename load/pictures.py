"""PNG pictures of a load run: throughput and p50/p99 latency over time per shape, and the growth curve."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402 - the backend must be chosen first

from load.growth import GrowthCurve  # noqa: E402
from load.tenant_scale import TenantScale  # noqa: E402
from load.timeline import Timeline  # noqa: E402


def shape_picture(path: Path, title: str, timeline: Timeline, names: list[str] | None = None, *,
                  offered: list[tuple[float, float, float]] = (), bound_ms: float | None = None) -> Path:
    """Pushes/s (top) and p50/p99 ms (bottom) per second; `offered`: (start, end, rate) of capacity steps."""
    series = timeline.series(names)
    if not series:
        raise ValueError(f"{title}: no pushes in the timeline")
    origin = series[0][0]
    seconds = [s - origin for s, _ in series]
    figure, (top, bottom) = plt.subplots(2, 1, sharex=True, figsize=(9, 6))
    top.plot(seconds, [w.pushes for _, w in series], label="pushes/s reached")
    top.plot(seconds, [w.failures for _, w in series], color="tab:red", label="failures/s")
    for start, end, rate in offered:
        top.hlines(rate, start - origin, end - origin, colors="grey", linestyles="dashed")
    if offered:
        top.plot([], [], color="grey", linestyle="dashed", label="offered rate (step)")
    top.set_ylabel("pushes/s")
    top.set_title(title)
    top.legend(loc="upper left")
    bottom.plot(seconds, [w.percentile(0.5) for _, w in series], label="p50")
    bottom.plot(seconds, [w.percentile(0.99) for _, w in series], label="p99")
    if bound_ms is not None:
        bottom.axhline(bound_ms, color="tab:red", linestyle="dotted", label=f"p99 bound {bound_ms:g} ms")
    bottom.set_ylabel("latency ms (per second)")
    bottom.set_xlabel("seconds since the first push")
    bottom.legend(loc="upper left")
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    plt.close(figure)
    return path


def growth_picture(path: Path, curve: GrowthCurve) -> Path:
    points = sorted(curve.points, key=lambda p: p.groups)
    figure, axes = plt.subplots(figsize=(7, 4))
    axes.plot([p.groups for p in points], [p.p50_ms for p in points], marker="o", label="p50")
    axes.plot([p.groups for p in points], [p.p99_ms for p in points], marker="o", label="p99")
    axes.set_xscale("log")
    axes.set_xlabel("groups the gateway holds")
    axes.set_ylabel("push latency ms")
    axes.set_title("Push latency against the groups a Pushgateway holds")
    axes.legend(loc="upper left")
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    plt.close(figure)
    return path


def tenant_scale_picture(path: Path, scale: TenantScale) -> Path:
    """Against the tenant count: up/down seconds, memory per component, and scrape/visibility times."""
    points = [scale.baseline, *scale.points]
    counts = [p.tenants for p in points]
    figure, (times, memory, fresh) = plt.subplots(1, 3, figsize=(15, 4.5))
    times.plot(counts, [p.up_seconds for p in points], marker="o", label="make up")
    times.plot(counts, [p.down_seconds for p in points], marker="o", label="make down")
    times.set_xlabel("tenants")
    times.set_ylabel("seconds")
    times.set_title("Bring-up and shut-down")
    times.legend(loc="upper left")
    for component in sorted({c for p in points for c in p.memory_mb}):
        memory.plot(counts, [p.memory_mb.get(component, 0.0) for p in points], marker="o", label=component)
    memory.plot(counts, [p.total_mb for p in points], marker="o", color="black", label="total")
    memory.set_xlabel("tenants")
    memory.set_ylabel("MB (PSS)")
    memory.set_title("Memory after one push per tenant")
    memory.legend(loc="upper left", fontsize="small")
    fresh.plot(counts, [p.visible_seconds for p in points], marker="o", label="all pushes visible (s)")
    fresh.plot(counts, [p.scrape_max_seconds for p in points], marker="o", label="max scrape (s)")
    fresh.axhline(2 * points[0].scrape_interval, color="tab:red", linestyle="dotted", label="two scrape intervals")
    fresh.set_xlabel("tenants")
    fresh.set_ylabel("seconds")
    fresh.set_title("Freshness and scrape duration")
    fresh.legend(loc="upper left")
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    plt.close(figure)
    return path
