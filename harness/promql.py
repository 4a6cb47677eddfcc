"""A small client of Prometheus' HTTP API (instant and range queries, label values, targets, alerts,
rules, configuration) and the PromQL assertions the tests share. Waiting is explicit: `wait_for` polls with progress and, on timeout,
names the query and what it last returned."""
from __future__ import annotations

import json
import logging
import math
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Callable

import yaml

Series = list[tuple[dict[str, str], float]]

_log = logging.getLogger("simplepipe.promql")


class PrometheusError(Exception):
    """Prometheus was unreachable or refused a request (the message has its error)."""


class PrometheusUnreachableError(PrometheusError, ConnectionError):
    """Prometheus did not answer: nothing about its data can be said."""


class PrometheusQueryError(PrometheusError, ValueError):
    """Prometheus refused a request; the message is its own (`errorType: error`)."""


class PromQLTimeoutError(AssertionError, TimeoutError):
    """A PromQL condition did not hold in time; the message names the query and its last result."""


class PrometheusClient:
    def __init__(self, url: str, timeout: float = 10.0):
        self.url = url.rstrip("/")
        self.timeout = timeout

    def _call(self, path: str, params: dict | None = None, *, post: bool = False) -> object:
        """The answer's `data`. POST (form-encoded) for queries, so that a long expression fits."""
        url = f"{self.url}{path}"
        form = urllib.parse.urlencode(params or {})
        if post:
            request = urllib.request.Request(url, data=form.encode(),
                                             headers={"Content-Type": "application/x-www-form-urlencoded"})
        else:
            request = urllib.request.Request(f"{url}?{form}" if form else url)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                body = json.load(response)
        except urllib.error.HTTPError as exc:  # Prometheus answers a refused request with its JSON error
            detail = exc.read().decode(errors="replace")
            try:
                body = json.loads(detail)
            except ValueError:
                raise PrometheusQueryError(f"{request.method} {url}: HTTP {exc.code}: {detail[:500]}") from exc
        except OSError as exc:
            raise PrometheusUnreachableError(
                f"Prometheus at {self.url} is unreachable ({exc}); is the platform up (`make up`, `make status`)?"
            ) from exc
        except ValueError as exc:
            raise PrometheusError(f"{request.method} {url}: not an answer of Prometheus' API: {exc}") from exc
        if body.get("status") != "success":
            raise PrometheusQueryError(f"{body.get('errorType', 'error')}: {body.get('error', body)}")
        return body["data"]

    def query(self, promql: str, time: float | None = None) -> list[dict]:
        """Instant query (at `time`, else now): the API's result list, a scalar as one series without labels."""
        params = {"query": promql} if time is None else {"query": promql, "time": f"{time:.3f}"}
        data = self._call("/api/v1/query", params, post=True)
        if data["resultType"] in ("scalar", "string"):
            return [{"metric": {}, "value": data["result"]}]
        if data["resultType"] == "matrix":
            raise PrometheusQueryError(f"{promql!r} returns a range vector; use an instant vector query")
        return data["result"]

    def query_range(self, promql: str, start: float, end: float, step: float) -> list[dict]:
        """Range query: `{"metric": {...}, "values": [[t, "v"], ...]}` per series."""
        params = {"query": promql, "start": f"{start:.3f}", "end": f"{end:.3f}", "step": f"{step:g}"}
        return self._call("/api/v1/query_range", params, post=True)["result"]

    def label_values(self, label: str, match: str | None = None, start: float | None = None,
                     end: float | None = None) -> list[str]:
        """The values of `label` (on the series `match` selects, between `start` and `end`), sorted."""
        params = {name: f"{value:.3f}" for name, value in (("start", start), ("end", end)) if value is not None}
        if match:
            params["match[]"] = match
        return sorted(self._call(f"/api/v1/label/{urllib.parse.quote(label)}/values", params))

    def config(self) -> dict:
        """The configuration Prometheus has loaded (prometheus.yml as it reads it)."""
        return yaml.safe_load(self._call("/api/v1/status/config")["yaml"]) or {}

    def series(self, promql: str) -> Series:
        """Instant query as (labels, value) pairs."""
        return [(dict(r["metric"]), float(r["value"][1])) for r in self.query(promql)]

    def value(self, promql: str) -> float | None:
        """The single value of a query, None when it returns nothing; more than one series is an error."""
        series = self.series(promql)
        if len(series) > 1:
            raise PrometheusError(f"{promql!r} returned {len(series)} series, expected one: {series}")
        return series[0][1] if series else None

    def targets(self) -> list[dict]:
        """Active scrape targets (labels, health, lastError, scrapeUrl)."""
        return self._call("/api/v1/targets", {"state": "active"})["activeTargets"]

    def alerts(self) -> list[dict]:
        """Pending and firing alerts (labels, annotations, state)."""
        return self._call("/api/v1/alerts")["alerts"]

    def rules(self) -> list[dict]:
        """Loaded rule groups."""
        return self._call("/api/v1/rules")["groups"]

    def ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/-/ready", timeout=self.timeout) as response:
                return response.status == 200
        except OSError:
            return False

    def wait_for(self, promql: str, predicate: Callable[[Series], bool], timeout: float, *,
                 what: str = "", poll: float = 0.5, say: Callable[[str], None] = _log.info) -> Series:
        """Poll the query until `predicate(series)` holds; returns those series.

        On timeout raises PromQLTimeoutError naming the query, `what` was expected and the last result."""
        deadline = time.monotonic() + timeout
        started, last_said = time.monotonic(), 0.0
        last: Series | str = "nothing yet"
        while True:
            try:
                last = self.series(promql)
                if predicate(last):
                    return last
            except PrometheusError as exc:
                last = str(exc)
            now = time.monotonic()
            if now > deadline:
                raise PromQLTimeoutError(f"after {timeout:g} s, {promql!r} still not {what or 'as expected'}; "
                                         f"last result: {format_series(last)}")
            if now - last_said >= 5:
                say(f"waiting for {promql!r} ({what or 'condition'}), {now - started:.0f} s of {timeout:g} s: "
                    f"{format_series(last)}")
                last_said = now
            time.sleep(poll)


def format_series(series: Series | str) -> str:
    if isinstance(series, str):
        return series
    if not series:
        return "no series"
    return "; ".join("{" + ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "} " + f"{value:g}"
                     for labels, value in series)


# -- assertions ------------------------------------------------------------------------------------
def has_value(expected: float, tolerance: float = 1e-9) -> Callable[[Series], bool]:
    """Predicate: at least one series, and every series equals `expected`."""
    return lambda series: bool(series) and all(math.isclose(v, expected, abs_tol=tolerance) for _, v in series)


def in_range(minimum: float | None = None, maximum: float | None = None) -> Callable[[Series], bool]:
    """Predicate: at least one series, and every value within [minimum, maximum]."""
    return lambda series: bool(series) and all(
        (minimum is None or v >= minimum) and (maximum is None or v <= maximum) for _, v in series)


def non_empty(series: Series) -> bool:
    return bool(series)


def assert_labels(series: Series, **expected: str) -> None:
    """Every series carries the expected labels (e.g. tenant="alice", namespace="alice")."""
    assert series, f"no series to check labels {expected} on"
    for labels, value in series:
        wrong = {k: labels.get(k) for k, v in expected.items() if labels.get(k) != v}
        assert not wrong, f"series {format_series([(labels, value)])} has {wrong}, expected {expected}"


def assert_no_series(client: PrometheusClient, promql: str) -> None:
    series = client.series(promql)
    assert not series, f"{promql!r} should return nothing, returned {format_series(series)}"


def assert_targets_up(client: PrometheusClient, jobs: list[str]) -> None:
    health = {t["labels"].get("job"): (t["health"], t.get("lastError", "")) for t in client.targets()}
    down = {job: health.get(job, ("missing", "")) for job in jobs if health.get(job, ("",))[0] != "up"}
    assert not down, f"scrape targets not up: {down}"
