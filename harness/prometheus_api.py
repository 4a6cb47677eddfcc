"""Prometheus' HTTP API for the harness, e2e tests, dashboards' live check and the load test:
prometheus-api-client's PrometheusConnect over the harness's requests session, with what it lacks
kept thin here: typed errors carrying Prometheus' own message, scalar results, alerts/rules/config,
and waiting (`wait_for`, on harness.waiting)."""
from __future__ import annotations

import ast
import json
import logging
import math
from datetime import datetime, timezone
from typing import Callable

import requests
import yaml
from prometheus_api_client import PrometheusApiClientException, PrometheusConnect
from urllib3.util import Retry

from harness.net import session
from harness.waiting import NotYet, WaitTimeout, wait_until

Series = list[tuple[dict[str, str], float]]

_log = logging.getLogger("simplepipe.promql")


class PrometheusError(Exception):
    """Prometheus was unreachable or refused a request (the message has its error)."""


class PrometheusUnreachableError(PrometheusError, ConnectionError):
    """Prometheus did not answer: nothing about its data can be said."""


class PrometheusQueryError(PrometheusError, ValueError):
    """Prometheus refused a request; the message is its own (`errorType: error`)."""


class PromQLTimeoutError(WaitTimeout):
    """A PromQL condition did not hold in time; the message names the query and its last result."""


class PrometheusClient:
    def __init__(self, url: str, timeout: float = 10.0, auth: tuple[str, str] | None = None):
        """`auth`: the (user, password) Prometheus asks for (the local platform's administrator's login);
        `Platform.prometheus()` gives the client with the platform's own."""
        self.url = url.rstrip("/")
        self.timeout = timeout
        self._auth = auth
        # No retries of its own: the callers' waits decide how long to keep asking.
        self._api = PrometheusConnect(self.url, session=session(), timeout=timeout, method="POST", auth=auth,
                                      retry=Retry(total=0, redirect=False))

    def _guard(self, call, what: str):
        try:
            return call()
        except requests.RequestException as exc:
            raise PrometheusUnreachableError(
                f"Prometheus at {self.url} is unreachable ({exc}); is the platform up (`make up`, `make status`)?"
            ) from exc
        except PrometheusApiClientException as exc:
            raise PrometheusQueryError(_refusal(str(exc), what)) from exc
        except (ValueError, KeyError) as exc:
            raise PrometheusError(f"{what}: not an answer of Prometheus' API: {exc}") from exc

    def _get(self, path: str, params: dict | None = None) -> object:
        """What PrometheusConnect has no method for: the answer's `data`."""
        def call():
            response = session().get(f"{self.url}{path}", params=params or {}, timeout=self.timeout, auth=self._auth)
            if response.status_code != 200:
                raise PrometheusApiClientException(f"HTTP Status Code {response.status_code} ({response.content!r})")
            return response.json()["data"]
        return self._guard(call, f"GET {path}")

    def query(self, promql: str, time: float | None = None) -> list[dict]:
        """Instant query (at `time`, else now): the API's result list, a scalar as one series without labels."""
        params = {} if time is None else {"time": f"{time:.3f}"}
        result = self._guard(lambda: self._api.custom_query(promql, params=params), f"query {promql!r}")
        if result and not isinstance(result[0], dict):  # a scalar or string: [time, "value"]
            return [{"metric": {}, "value": result}]
        if result and "values" in result[0]:
            raise PrometheusQueryError(f"{promql!r} returns a range vector; use an instant vector query")
        return result

    def query_range(self, promql: str, start: float, end: float, step: float) -> list[dict]:
        """Range query: `{"metric": {...}, "values": [[t, "v"], ...]}` per series."""
        return self._guard(lambda: self._api.custom_query_range(
            promql, _datetime(start), _datetime(end), f"{step:g}"), f"query_range {promql!r}")

    def label_values(self, label: str, match: str | None = None, start: float | None = None,
                     end: float | None = None) -> list[str]:
        """The values of `label` (on the series `match` selects, between `start` and `end`), sorted."""
        params = {name: f"{value:.3f}" for name, value in (("start", start), ("end", end)) if value is not None}
        if match:
            params["match[]"] = match
        return sorted(self._guard(lambda: self._api.get_label_values(label, params=params),
                                  f"label values of {label!r}"))

    def config(self) -> dict:
        """The configuration Prometheus has loaded (prometheus.yml as it reads it)."""
        return yaml.safe_load(self._get("/api/v1/status/config")["yaml"]) or {}

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
        return self._guard(lambda: self._api.get_targets(state="active"), "targets")["activeTargets"]

    def alerts(self) -> list[dict]:
        """Pending and firing alerts (labels, annotations, state)."""
        return self._get("/api/v1/alerts")["alerts"]

    def rules(self) -> list[dict]:
        """Loaded rule groups."""
        return self._get("/api/v1/rules")["groups"]

    def ready(self) -> bool:
        try:
            return session().get(f"{self.url}/-/ready", timeout=self.timeout, auth=self._auth).status_code == 200
        except requests.RequestException:
            return False

    def wait_for(self, promql: str, predicate: Callable[[Series], bool], timeout: float, *,
                 what: str = "", poll: float = 0.5, say: Callable[[str], None] = _log.info) -> Series:
        """Poll the query until `predicate(series)` holds; returns those series.

        On timeout raises PromQLTimeoutError naming the query, `what` was expected and the last result."""
        def check() -> Series | None:
            try:
                series = self.series(promql)
            except PrometheusError as exc:
                raise NotYet(str(exc)) from None
            if predicate(series):
                return series or [({}, math.nan)]
            raise NotYet(format_series(series))

        try:
            result = wait_until(check, timeout=timeout, what=f"{promql!r} to be {what or 'as expected'}",
                                poll=poll, say=say)
        except WaitTimeout as exc:
            raise PromQLTimeoutError(str(exc)) from None
        return [] if result == [({}, math.nan)] else result


def _datetime(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=timezone.utc)


def _refusal(text: str, what: str) -> str:
    """Prometheus' own `errorType: error` out of prometheus-api-client's "HTTP Status Code N (b'...')"."""
    status, _, body = text.partition(" (")
    if status.endswith(" 401"):
        return (f"{what}: HTTP 401: Prometheus asks for the administrator's login, which this client was not given "
                "(Platform.prometheus() has it; `make status` says where it is kept)")
    try:
        answer = json.loads(ast.literal_eval(body.rstrip(")")))
        return f"{answer.get('errorType', 'error')}: {answer.get('error', answer)}"
    except (ValueError, SyntaxError, AttributeError):
        return f"{what}: {status}: {body.rstrip(')')[:500]}"


def format_series(series: Series | str) -> str:
    if isinstance(series, str):
        return series
    if not series:
        return "no series"
    return "; ".join("{" + ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "} " + f"{value:g}"
                     for labels, value in series)
