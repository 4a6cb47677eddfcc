"""The tenants shape (`make load LOAD_ARGS="--shape tenants"`): what each tenant costs the local platform.

For each tenant count N (10, 50, 200 by default) a throwaway LocalPlatform with N generated tenants is built
on free ports in a temporary folder, measured and stopped:

- `make up` time (LocalPlatform.up: every server ready and every gateway scraped) and `make down` time;
- memory (PSS, so that the pages N processes of one binary share are counted once) of the gateways, of
  Prometheus, Alertmanager, the S3 store, the alert receiver and the supervisor, after one push per tenant
  was scraped; per added tenant: the growth of the total against a one-tenant platform measured first;
- Prometheus' scrape duration of the tenants' gateways (avg and max of `scrape_duration_seconds`);
- the time from the last of N concurrent pushes (one per tenant) being acknowledged to all N in PromQL;
- the size of the generated configuration files.

The figures are judged against targets (TARGETS); a miss names the component that misses.
"""
from __future__ import annotations

import concurrent.futures
import secrets
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from harness.local.platform import LocalPlatform
from harness.prometheus_api import PrometheusClient
from harness.tenants import Tenant, generated_tenants
from harness.waiting import NotYet, WaitTimeout, wait_until
from load.plan import RUN_LABEL
from simplepipe.pushgateway import Pushgateway
from simplepipe.spec import MetricSet

SCALE_JOB = "simplepipe-load-scale"
SCALE_METRIC = "simplepipe_load_scale_probe"
BASELINE_TENANTS = 1
# The targets on the 2-core development machine (issue: how the platform grows).
TARGETS = {"up_seconds_at_200": 20.0, "down_seconds": 5.0, "mb_per_tenant": 6.0, "visible_scrapes": 2.0}
GATEWAY_PREFIX = "pushgateway-"
CONFIG_FILES = ("prometheus.yml", "alertmanager.yml", "s3-identities.json", "alert-receivers")


class TenantScaleError(RuntimeError):
    """A platform of the tenants shape could not be measured (it did not come up, or a push never showed)."""


def pss_mb(pid: int) -> float:
    """Proportional set size of a process in MB (/proc/<pid>/smaps_rollup), 0 when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0.0


@dataclass
class ScalePoint:
    tenants: int
    up_seconds: float = 0.0
    down_seconds: float = 0.0
    memory_mb: dict[str, float] = field(default_factory=dict)  # component -> MB (gateways: all of them)
    scrape_avg_seconds: float = 0.0
    scrape_max_seconds: float = 0.0
    visible_seconds: float = 0.0  # last acknowledged push -> every tenant's value in PromQL
    scrape_interval: float = 0.0
    config_bytes: int = 0

    @property
    def total_mb(self) -> float:
        return sum(self.memory_mb.values())


@dataclass
class TenantScale:
    baseline: ScalePoint
    points: list[ScalePoint] = field(default_factory=list)

    def per_tenant_mb(self, point: ScalePoint, component: str | None = None) -> float:
        """Growth per added tenant against the one-tenant baseline (of one component, or of everything)."""
        def mb(p: ScalePoint) -> float:
            return p.total_mb if component is None else p.memory_mb.get(component, 0.0)
        return (mb(point) - mb(self.baseline)) / max(1, point.tenants - self.baseline.tenants)

    def table(self) -> str:
        components = sorted({c for p in [self.baseline, *self.points] for c in p.memory_mb})
        header = (f"{'tenants':>7} {'up s':>6} {'down s':>6} {'MB total':>8} {'MB/tenant':>9} "
                  + " ".join(f"{c[:12]:>12}" for c in components)
                  + f" {'scrape avg ms':>13} {'scrape max ms':>13} {'visible s':>9} {'config KB':>9}")
        lines = [header, "-" * len(header)]
        for point in [self.baseline, *self.points]:
            per = "-" if point is self.baseline else f"{self.per_tenant_mb(point):.2f}"
            lines.append(f"{point.tenants:>7} {point.up_seconds:>6.1f} {point.down_seconds:>6.1f} "
                         f"{point.total_mb:>8.0f} {per:>9} "
                         + " ".join(f"{point.memory_mb.get(c, 0.0):>12.0f}" for c in components)
                         + f" {point.scrape_avg_seconds * 1000:>13.1f} {point.scrape_max_seconds * 1000:>13.1f}"
                           f" {point.visible_seconds:>9.2f} {point.config_bytes / 1024:>9.1f}")
        return "\n".join(lines)

    def verdicts(self) -> list[str]:
        """One line per target: met, or missed and by which component."""
        lines = []
        for point in self.points:
            components = {c: self.per_tenant_mb(point, c) for c in point.memory_mb}
            biggest = max(components, key=components.get) if components else "n/a"
            checks = [
                (point.down_seconds < TARGETS["down_seconds"], f"down in {point.down_seconds:.1f} s "
                 f"(target < {TARGETS['down_seconds']:g} s)"),
                (self.per_tenant_mb(point) < TARGETS["mb_per_tenant"], f"{self.per_tenant_mb(point):.2f} MB per added "
                 f"tenant (target < {TARGETS['mb_per_tenant']:g}; largest share: {biggest} "
                 f"{components.get(biggest, 0.0):.2f} MB)"),
                (point.visible_seconds <= TARGETS["visible_scrapes"] * point.scrape_interval,
                 f"every push visible {point.visible_seconds:.2f} s after the last acknowledgement "
                 f"(target within {TARGETS['visible_scrapes']:g} scrape intervals = "
                 f"{TARGETS['visible_scrapes'] * point.scrape_interval:g} s)"),
            ]
            if point.tenants >= 200:
                checks.insert(0, (point.up_seconds < TARGETS["up_seconds_at_200"], f"up in {point.up_seconds:.1f} s "
                                  f"(target < {TARGETS['up_seconds_at_200']:g} s at 200 tenants)"))
            for ok, text in checks:
                lines.append(f"  {point.tenants} tenants: {'met' if ok else 'MISSED'}: {text}")
        return lines


def measure_point(count: int, work_dir: Path, say: Callable[[str], None]) -> ScalePoint:
    """Build, measure and stop one throwaway platform of `count` generated tenants."""
    point = ScalePoint(tenants=count)
    platform = LocalPlatform(work_dir / f"tenants-{count}", ports="free", tenants=generated_tenants(count),
                             say=lambda line: None)
    try:
        began = time.monotonic()
        platform.up()
        point.up_seconds = time.monotonic() - began
        point.scrape_interval = platform.scrape_interval
        prometheus = platform.prometheus(timeout=10.0)
        point.visible_seconds = _push_and_see(platform, prometheus)
        scrape = {labels.get("job", ""): value for labels, value in prometheus.series(
            f'scrape_duration_seconds{{job=~"{GATEWAY_PREFIX}.+"}}')}
        point.scrape_avg_seconds = sum(scrape.values()) / len(scrape) if scrape else 0.0
        point.scrape_max_seconds = max(scrape.values(), default=0.0)
        point.memory_mb = _memory(platform)
        point.config_bytes = sum(_size(platform.layout.config(name)) for name in CONFIG_FILES)
    finally:
        began = time.monotonic()
        platform.down()
        point.down_seconds = time.monotonic() - began
    say(f"  {count} tenants: up {point.up_seconds:.1f} s, {point.total_mb:.0f} MB, every push visible "
        f"{point.visible_seconds:.2f} s after the last acknowledgement, down {point.down_seconds:.1f} s")
    return point


def _push_and_see(platform: LocalPlatform, prometheus: PrometheusClient) -> float:
    """One push per tenant at once; seconds from the last acknowledgement to all of them in PromQL."""
    run = secrets.token_hex(4)

    def push(tenant: Tenant) -> float:
        metrics = MetricSet()
        metrics.add_gauge(SCALE_METRIC, 1, None, "A probe of the tenants shape of make load")
        with Pushgateway(platform.pushgateway_url(tenant), username=tenant.username, password=tenant.password,
                         identity=None, timeout=30.0, retries=2) as gateway:
            gateway.push(metrics, job=SCALE_JOB, grouping_key={RUN_LABEL: run})
        return time.monotonic()

    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
        last = max(pool.map(push, platform.tenants))
    count = len(platform.tenants)

    def all_seen() -> bool:
        seen = prometheus.series(f'count({SCALE_METRIC}{{{RUN_LABEL}="{run}"}})')
        found = int(seen[0][1]) if seen else 0
        if found < count:
            raise NotYet(f"{found} of {count}")
        return True
    try:
        wait_until(all_seen, timeout=platform.settle_seconds, poll=0.05, what="every tenant's probe in PromQL")
    except WaitTimeout as exc:
        raise TenantScaleError(str(exc)) from None
    return time.monotonic() - last


def _memory(platform: LocalPlatform) -> dict[str, float]:
    memory: dict[str, float] = {"supervisor": 0.0}
    for name, server in platform.supervisor_status().get("servers", {}).items():
        component = "gateways" if name.startswith(GATEWAY_PREFIX) else name
        memory[component] = memory.get(component, 0.0) + (pss_mb(server["pid"]) if server.get("pid") else 0.0)
    supervisor = platform.supervisor_status().get("pid")
    memory["supervisor"] = pss_mb(int(supervisor)) if supervisor else 0.0
    return memory


def _size(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size if path.exists() else 0


def run_tenant_scale(counts: list[int], out_dir: Path, say: Callable[[str], None]) -> TenantScale:
    say(f"tenants: throwaway local platforms of {', '.join(map(str, counts))} generated tenants (and "
        f"{BASELINE_TENANTS} for the baseline), each up, one push per tenant, measured, down")
    # In the system's temp folder, not below out_dir: weed's Unix sockets live in the state folder, and a
    # socket path has at most 107 bytes.
    with tempfile.TemporaryDirectory(prefix="simplepipe-tenants-") as scratch:
        scale = TenantScale(baseline=measure_point(BASELINE_TENANTS, Path(scratch), say))
        for count in counts:
            scale.points.append(measure_point(count, Path(scratch), say))
    return scale
