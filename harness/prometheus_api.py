"""Prometheus' HTTP API for the harness, dashboards (snapshots, panel queries), the load test and the tests:
prometheus-api-client's PrometheusConnect over the harness's requests session, with what it lacks
kept thin here: typed errors carrying Prometheus' own message, scalar results, the loaded configuration,
and `get` for any other endpoint. Reading results as (labels, value) pairs and waiting for a PromQL
condition are the tests' (tests/support/promql.py)."""
from __future__ import annotations

import ast
import json
from datetime import datetime, timezone

import requests
import yaml
from prometheus_api_client import PrometheusApiClientException, PrometheusConnect
from urllib3.util import Retry

from harness.net import session


# An instant vector: (labels, value) per series.
Series = list[tuple[dict[str, str], float]]


class PrometheusError(Exception):
    """Prometheus was unreachable or refused a request (the message has its error)."""


class PrometheusUnreachableError(PrometheusError, ConnectionError):
    """Prometheus did not answer: nothing about its data can be said."""


class PrometheusQueryError(PrometheusError, ValueError):
    """Prometheus refused a request; the message is its own (`errorType: error`)."""


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

    def get(self, path: str, params: dict | None = None) -> object:
        """GET an API path PrometheusConnect has no method for (`/api/v1/alerts`): the answer's `data`."""
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

    def series(self, promql: str) -> Series:
        """Instant query as (labels, value) pairs (the load's freshness and tenant-scale probes, the tests)."""
        return [(dict(r["metric"]), float(r["value"][1])) for r in self.query(promql)]

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
        return yaml.safe_load(self.get("/api/v1/status/config")["yaml"]) or {}

    def targets(self) -> list[dict]:
        """Active scrape targets (labels, health, lastError, scrapeUrl)."""
        return self._guard(lambda: self._api.get_targets(state="active"), "targets")["activeTargets"]

    def ready(self) -> bool:
        """Prometheus answers /-/ready (with this client's login): `make status`, the load's fault check."""
        try:
            return session().get(f"{self.url}/-/ready", timeout=self.timeout, auth=self._auth).status_code == 200
        except requests.RequestException:
            return False


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

