"""Pushgateway client: replace (PUT), add (POST) and delete a group, one request each; list the groups."""
from __future__ import annotations

import base64
import gzip as gzip_codec
import json
import os
import random
import re
import time
import warnings
from dataclasses import dataclass
from typing import Any, Mapping

import urllib3
from urllib3.exceptions import HTTPError, InsecureRequestWarning, SSLError

from simplepipe import __version__
from simplepipe.errors import GatewayRefusedError, GatewayUnreachableError, InvalidMetricsError, UsageError
from simplepipe.grouping_key import GroupingKey
from simplepipe.identity import WorkflowIdentity
from simplepipe.settings import GatewaySettings, normalize_url
from simplepipe.spec import MetricSet

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_AUTO = "auto"


@dataclass(frozen=True)
class PreparedRequest:
    """One request exactly as the client would send it: method, URL, headers and body."""

    method: str
    url: str
    headers: dict[str, str]
    body: bytes | None
    series: int


@dataclass(frozen=True)
class PushReceipt:
    method: str
    url: str
    status: int
    attempts: int
    series: int


class Pushgateway:
    """One Pushgateway, with a pooled connection reused by every request."""

    def __init__(self, url: str, *, username: str | None = None, password: str | None = None,
                 token: str | None = None, ca_file: str | None = None, insecure_skip_verify: bool = False,
                 timeout: float = 10.0, retries: int = 3, gzip: bool = False,
                 identity: WorkflowIdentity | None | str = _AUTO, backoff: float = 0.2,
                 max_backoff: float = 5.0) -> None:
        self.url = normalize_url(url)
        if token and (username or password):
            raise UsageError("give either a bearer token or a username/password, not both")
        if (username is None) != (password is None):
            raise UsageError("basic auth needs both a username and a password")
        self.retries = max(0, int(retries))
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.gzip = gzip
        self.identity = WorkflowIdentity.from_environ(os.environ) if identity == _AUTO else identity
        self._headers = {"User-Agent": f"simplepipe/{__version__}"}
        if token:
            self._headers["Authorization"] = f"Bearer {token}"
        elif username is not None:
            credentials = base64.b64encode(f"{username}:{password}".encode("utf-8")).decode("ascii")
            self._headers["Authorization"] = f"Basic {credentials}"
        pool: dict[str, Any] = {"timeout": urllib3.Timeout(total=timeout), "retries": False, "maxsize": 4}
        if insecure_skip_verify:
            pool["cert_reqs"] = "CERT_NONE"
            warnings.filterwarnings("ignore", category=InsecureRequestWarning)
        elif ca_file:
            pool["ca_certs"] = ca_file
        self._pool = urllib3.PoolManager(**pool)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> "Pushgateway":
        """Settings from SIMPLEPIPE_PUSHGATEWAY_* (see simplepipe.settings); keyword arguments win."""
        settings = GatewaySettings.from_environ(environ)
        options: dict[str, Any] = {
            "username": settings.username, "password": settings.password, "token": settings.token,
            "ca_file": settings.ca_file, "insecure_skip_verify": settings.insecure_skip_verify,
        }
        if settings.token:
            options["username"] = options["password"] = None
        # None means "not given" for settings, but identity=None means "no identity".
        given = {k: v for k, v in overrides.items() if v is not None or k == "identity"}
        if given.get("token"):
            options["username"] = options["password"] = None
        if given.get("username") is not None:
            options["token"] = None
        options.update(given)
        url = options.pop("url", None) or settings.url
        if environ is not None and "identity" not in options:
            options["identity"] = WorkflowIdentity.from_environ(environ)
        return cls(url, **options)

    def push(self, metrics: MetricSet | list | bytes, job: str,
             grouping_key: Mapping[str, str] | None = None) -> PushReceipt:
        """PUT: the group's metrics are replaced by exactly these."""
        return self._use_gateway("PUT", job, grouping_key, metrics)

    def pushadd(self, metrics: MetricSet | list | bytes, job: str,
                grouping_key: Mapping[str, str] | None = None) -> PushReceipt:
        """POST: metrics with the same names as these are replaced; the group's other metrics stay."""
        return self._use_gateway("POST", job, grouping_key, metrics)

    def delete(self, job: str, grouping_key: Mapping[str, str] | None = None) -> PushReceipt:
        """DELETE: the whole group goes away."""
        return self._use_gateway("DELETE", job, grouping_key, None)

    def groups(self) -> list[dict]:
        """GET /api/v1/metrics: every group the gateway holds (its labels and metric families), one request."""
        url = self.url + "/api/v1/metrics"
        try:
            response = self._pool.request("GET", url, headers=self._headers, preload_content=True)
        except HTTPError as exc:
            raise GatewayUnreachableError(url, _reason(exc), 1) from exc
        if response.status >= 400:
            raise GatewayRefusedError("GET", url, response.status, response.data.decode("utf-8", "replace"))
        return json.loads(response.data)["data"]

    def group_url(self, job: str, grouping_key: Mapping[str, str] | None = None) -> str:
        return self.url + GroupingKey(job, dict(grouping_key or {})).path()

    def body(self, metrics: MetricSet | list | bytes, job: str,
             grouping_key: Mapping[str, str] | None = None) -> bytes:
        """The exposition that a push of `metrics` sends (workflow identity included)."""
        key = GroupingKey(job, dict(grouping_key or {}))
        return self._body(metrics, key)

    def prepare(self, method: str, metrics: MetricSet | list | bytes | None, job: str,
                grouping_key: Mapping[str, str] | None = None) -> PreparedRequest:
        """The request a push (PUT/POST) or delete (DELETE, metrics None) sends, validated and rendered."""
        key = GroupingKey(job, dict(grouping_key or {}))
        headers = dict(self._headers)
        body = None
        series = 0
        if metrics is not None:
            body = self._body(metrics, key)  # everything is validated before the first request
            series = metrics.series_count if isinstance(metrics, MetricSet) else 0
            headers["Content-Type"] = CONTENT_TYPE
            if self.gzip:
                body = gzip_codec.compress(body, compresslevel=6)
                headers["Content-Encoding"] = "gzip"
        return PreparedRequest(method, self.url + key.path(), headers, body, series)

    def close(self) -> None:
        self._pool.clear()

    def __enter__(self) -> "Pushgateway":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _body(self, metrics: MetricSet | list | bytes, key: GroupingKey) -> bytes:
        if isinstance(metrics, (bytes, bytearray)):
            return bytes(metrics)
        if isinstance(metrics, list):
            from simplepipe.formats import from_data

            metrics = from_data(metrics, "simplepipe")
        return exposition_for(metrics, key, self.identity)

    def _use_gateway(self, method: str, job: str, grouping_key: Mapping[str, str] | None,
                     metrics: MetricSet | list | bytes | None) -> PushReceipt:
        request = self.prepare(method, metrics, job, grouping_key)
        url, headers, body, series = request.url, request.headers, request.body, request.series
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self._pool.request(method, url, body=body, headers=headers, preload_content=True)
            except SSLError as exc:
                # A certificate problem does not heal by retrying.
                raise GatewayUnreachableError(url, f"TLS: {exc}", attempt) from exc
            except HTTPError as exc:
                if attempt > self.retries:
                    raise GatewayUnreachableError(url, _reason(exc), attempt) from exc
                self._sleep(attempt)
                continue
            if response.status < 400:
                return PushReceipt(method, url, response.status, attempt, series)
            text = response.data.decode("utf-8", "replace")
            if response.status >= 500 and attempt <= self.retries:
                self._sleep(attempt)
                continue
            raise GatewayRefusedError(method, url, response.status, text)

    def _sleep(self, attempt: int) -> None:
        # Full jitter: many steps retrying against one gateway do not hit it in lockstep.
        time.sleep(random.uniform(0, min(self.max_backoff, self.backoff * 2 ** (attempt - 1))))


def exposition_for(metrics: MetricSet, key: GroupingKey, identity: WorkflowIdentity | None) -> bytes:
    """The body pushed for `metrics` into group `key`, with the workflow identity's labels."""
    clash = metrics.label_names() & set(key.labels)
    if clash:
        label = sorted(clash)[0]
        raise InvalidMetricsError(f"label {label!r} is also in the grouping key (--group); the Pushgateway "
                                  "would overwrite the series' value with the group's", source=metrics.source,
                                  field=f"labels.{label}")
    extra = identity.labels() if identity else {}
    return metrics.to_exposition({k: v for k, v in extra.items() if k not in key.labels})


def _reason(exc: Exception) -> str:
    text = str(getattr(exc, "reason", None) or exc)
    # urllib3 prefixes the connection object; keep the part a user can act on.
    return re.sub(r"^<?HTTPS?Connection(Pool)?\b[^:]*?\)>?: ", "", text)
