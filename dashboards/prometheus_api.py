"""The few calls of Prometheus' HTTP API that checking and drawing panels need."""
from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request

import yaml

from dashboards.thresholds import duration_seconds


class PrometheusUnreachableError(ConnectionError):
    """Prometheus did not answer: nothing about the panels can be said."""


class PrometheusQueryError(ValueError):
    """Prometheus refused a query; carries its own error message."""


class PrometheusAPI:
    def __init__(self, url: str, *, timeout: float = 10.0) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout

    def instant(self, expr: str, at: float) -> list[dict]:
        """`/api/v1/query`: one sample per series, as `{"metric": {...}, "value": [t, "v"]}`."""
        return self._call("query", {"query": expr, "time": f"{at:.3f}"})["result"]

    def range(self, expr: str, start: float, end: float, step: float) -> list[dict]:
        """`/api/v1/query_range`: `{"metric": {...}, "values": [[t, "v"], ...]}` per series."""
        params = {"query": expr, "start": f"{start:.3f}", "end": f"{end:.3f}", "step": f"{step:g}"}
        return self._call("query_range", params)["result"]

    def label_values(self, label: str, match: str | None, start: float, end: float) -> list[str]:
        params = {"start": f"{start:.3f}", "end": f"{end:.3f}"}
        if match:
            params["match[]"] = match
        return sorted(self._call(f"label/{urllib.parse.quote(label)}/values", params, method="GET"))

    def scrape_interval(self) -> float:
        """The global scrape interval in seconds (Grafana's $__rate_interval depends on it)."""
        config = yaml.safe_load(self._call("status/config", {}, method="GET")["yaml"]) or {}
        return duration_seconds(str((config.get("global") or {}).get("scrape_interval", "1m")))

    def _call(self, endpoint: str, params: dict[str, str], method: str = "POST"):
        url = f"{self.url}/api/v1/{endpoint}"
        body = urllib.parse.urlencode(params).encode()
        if method == "GET":
            request = urllib.request.Request(f"{url}?{body.decode()}" if params else url)
        else:
            request = urllib.request.Request(
                url, data=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                payload = json.load(response)
        except urllib.error.HTTPError as exc:
            try:
                payload = json.load(exc)
            except ValueError:
                raise PrometheusQueryError(f"{url}: HTTP {exc.code} {exc.reason}") from exc
        except (urllib.error.URLError, OSError) as exc:
            raise PrometheusUnreachableError(
                f"Prometheus at {self.url} is unreachable ({exc}); is the platform up (`make up`, `make status`)?"
            ) from exc
        if payload.get("status") != "success":
            raise PrometheusQueryError(f"{payload.get('errorType', 'error')}: {payload.get('error', payload)}")
        return payload["data"]
