"""Pushgateway client: replace (PUT), add (POST) and delete a group, one request each; list the groups.

Time: each attempt (connect, send, the whole answer) ends within `timeout`; a call makes at most
`retries` + 1 attempts, so it ends within `worst_case_seconds` (timeout x attempts + every backoff).
"""
from __future__ import annotations

import base64
import gzip as gzip_codec
import json
import os
import re
import warnings
from dataclasses import dataclass
from typing import Any, Mapping

import urllib3
from urllib3.exceptions import (ConnectTimeoutError, HTTPError, InsecureRequestWarning, NewConnectionError,
                                ReadTimeoutError, SSLError)
from urllib3.util import Retry

from simplepipe import deadline
from simplepipe.errors import GatewayRefusedError, GatewayUnreachableError, InvalidMetricsError, UsageError, redact
from simplepipe.formats import from_data
from simplepipe.grouping_key import GroupingKey
from simplepipe.identity import WorkflowIdentity
from simplepipe.settings import (PASSWORD, TOKEN, USERNAME, GatewayAddress, GatewaySettings, backoff_seconds,
                                 check_credential, retry_count, timeout_seconds)
from simplepipe.spec import MetricSet
from simplepipe.version import __version__

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
MAX_ERROR_BODY = 64 * 1024  # of a refusal's body, at most this much is read (and kept)
_AUTO = "auto"


@dataclass(frozen=True)
class PreparedRequest:
    """One request exactly as the client would send it: method, URL (and its path below the gateway's),
    headers and body."""

    method: str
    url: str
    headers: dict[str, str]
    body: bytes | None
    series: int
    path: str


@dataclass(frozen=True)
class PushReceipt:
    method: str
    url: str
    status: int
    attempts: int
    series: int


@dataclass(frozen=True)
class _Answer:
    status: int
    body: bytes
    truncated: bool
    size: int | None
    location: str | None
    response: Any


class Pushgateway:
    """One Pushgateway, with a pooled connection reused by every request.

    Credentials come as username/password, a bearer token, or in the URL (`http://user:pass@host`,
    used as basic auth; refused together with username/password/token). Redirects are never
    followed: a 3xx answer is a refusal (GatewayRefusedError).
    """

    def __init__(self, url: str, *, username: str | None = None, password: str | None = None,
                 token: str | None = None, ca_file: str | None = None, insecure_skip_verify: bool = False,
                 timeout: float = 10.0, retries: int = 3, gzip: bool = False,
                 identity: WorkflowIdentity | None | str = _AUTO, backoff: float = 0.2,
                 max_backoff: float = 5.0) -> None:
        address = GatewayAddress.parse(url)
        if address.username is not None:
            if username is not None or password is not None or token:
                raise UsageError("credentials given twice: in the Pushgateway URL and as username/password "
                                 "or token; give them once")
            username, password = address.username, address.password
        if token and (username or password):
            raise UsageError("give either a bearer token or a username/password, not both")
        if (username is None) != (password is None):
            raise UsageError("basic auth needs both a username and a password")
        check_credential(token, f"bearer token (--token, ${TOKEN})", token=True)
        check_credential(username, f"basic-auth username (--username, ${USERNAME}, or the URL)")
        check_credential(password, f"basic-auth password (--password, ${PASSWORD}, or the URL)")
        if username is not None and ":" in username:
            raise UsageError("the basic-auth username must not contain ':' (basic auth cannot carry it)")
        self.url = address.url
        self.timeout = timeout_seconds(timeout)
        self.retries = retry_count(retries)
        self.backoff = backoff_seconds(backoff, "backoff")
        self.max_backoff = backoff_seconds(max_backoff, "max_backoff")
        # The policy: which failures are retried and how long to back off (exponential, with jitter).
        # Retry-After is ignored: a gateway must not stretch the documented worst case.
        self._retry = Retry(total=self.retries, redirect=0, raise_on_redirect=True, raise_on_status=False,
                            allowed_methods=frozenset({"GET", "PUT", "POST", "DELETE"}),
                            status_forcelist=frozenset(range(500, 600)), backoff_factor=self.backoff,
                            backoff_max=self.max_backoff, backoff_jitter=self.backoff,
                            respect_retry_after_header=False)
        self.gzip = gzip
        self.identity = WorkflowIdentity.from_environ(os.environ) if identity == _AUTO else identity
        self._secrets = tuple(s for s in (token, password) if s)
        self._headers = {"User-Agent": f"simplepipe/{__version__}"}
        if token:
            self._headers["Authorization"] = f"Bearer {token}"
        elif username is not None:
            credentials = base64.b64encode(f"{username}:{password}".encode("utf-8")).decode("ascii")
            self._headers["Authorization"] = f"Basic {credentials}"
        parts = urllib3.util.parse_url(self.url)
        self._path_prefix = parts.path or ""
        pool: dict[str, Any] = {"timeout": urllib3.Timeout(connect=self.timeout, read=self.timeout),
                                "retries": False, "maxsize": 4}
        if parts.scheme == "https":
            if insecure_skip_verify:
                pool["cert_reqs"] = "CERT_NONE"
                warnings.filterwarnings("ignore", category=InsecureRequestWarning)
            elif ca_file:
                pool["ca_certs"] = ca_file
            self._pool = deadline.DeadlineHTTPSConnectionPool(parts.host, parts.port, **pool)
        else:
            self._pool = deadline.DeadlineHTTPConnectionPool(parts.host, parts.port, **pool)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> "Pushgateway":
        """Settings from SIMPLEPIPE_PUSHGATEWAY_* (see simplepipe.settings); keyword arguments win
        (credentials in a `url` keyword replace those of the environment)."""
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
        if given.get("url") and GatewayAddress.parse(given["url"]).username is not None:
            options["username"] = options["password"] = options["token"] = None
        options.update(given)
        url = options.pop("url", None) or settings.url
        if environ is not None and "identity" not in options:
            options["identity"] = WorkflowIdentity.from_environ(environ)
        return cls(url, **options)

    @property
    def worst_case_seconds(self) -> float:
        """The longest a push, pushadd or delete can take: timeout x attempts + the longest backoffs."""
        return self.timeout * (self.retries + 1) + sum(_longest_backoff(self._retry, n)
                                                       for n in range(1, self.retries + 1))

    def push(self, metrics: MetricSet | list | bytes, job: str,
             grouping_key: Mapping[str, str] | None = None, *, retries: int | None = None) -> PushReceipt:
        """PUT: the group's metrics are replaced by exactly these."""
        return self._use_gateway("PUT", job, grouping_key, metrics, retries)

    def pushadd(self, metrics: MetricSet | list | bytes, job: str,
                grouping_key: Mapping[str, str] | None = None, *, retries: int | None = None) -> PushReceipt:
        """POST: metrics with the same names as these are replaced; the group's other metrics stay."""
        return self._use_gateway("POST", job, grouping_key, metrics, retries)

    def delete(self, job: str, grouping_key: Mapping[str, str] | None = None, *,
               retries: int | None = None) -> PushReceipt:
        """DELETE: the whole group goes away."""
        return self._use_gateway("DELETE", job, grouping_key, None, retries)

    def groups(self) -> list[dict]:
        """GET /api/v1/metrics: every group the gateway holds (its labels and metric families), one request."""
        answer, _ = self._send("GET", "/api/v1/metrics", None, self._headers, None)
        try:
            return json.loads(answer.body)["data"]
        except (ValueError, TypeError, KeyError) as error:
            raise GatewayRefusedError("GET", self.url + "/api/v1/metrics", answer.status,
                                      f"not a Pushgateway API answer ({error.__class__.__name__}): "
                                      + answer.body[:MAX_ERROR_BODY].decode("utf-8", "replace")) from None

    def group_url(self, job: str, grouping_key: Mapping[str, str] | None = None) -> str:
        return self.url + GroupingKey.of(job, grouping_key).path()

    def body(self, metrics: MetricSet | list | bytes, job: str,
             grouping_key: Mapping[str, str] | None = None) -> bytes:
        """The exposition that a push of `metrics` sends (workflow identity included)."""
        key = GroupingKey.of(job, grouping_key)
        return self._body(metrics, key)

    def prepare(self, method: str, metrics: MetricSet | list | bytes | None, job: str,
                grouping_key: Mapping[str, str] | None = None) -> PreparedRequest:
        """The request a push (PUT/POST) or delete (DELETE, metrics None) sends, validated and rendered."""
        if metrics is not None and _holds_nothing(metrics):
            # A PUT/POST without samples would empty the group; deleting is delete().
            source = metrics.source if isinstance(metrics, MetricSet) else "<metrics>"
            raise InvalidMetricsError("holds no metrics: nothing to push (to remove a group, use delete)", source=source)
        key = GroupingKey.of(job, grouping_key)
        headers = self._headers
        body = None
        series = 0
        if metrics is not None:
            body = self._body(metrics, key)  # everything is validated before the first request
            series = metrics.series_count if isinstance(metrics, MetricSet) else 0
            headers = {**headers, "Content-Type": CONTENT_TYPE}
            if self.gzip:
                body = gzip_codec.compress(body, compresslevel=6)
                headers["Content-Encoding"] = "gzip"
        return PreparedRequest(method, self.url + key.path(), dict(headers), body, series, key.path())

    def close(self) -> None:
        self._pool.close()

    def __enter__(self) -> "Pushgateway":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _body(self, metrics: MetricSet | list | bytes, key: GroupingKey) -> bytes:
        if isinstance(metrics, (bytes, bytearray)):
            return bytes(metrics)
        if isinstance(metrics, list):
            metrics = from_data(metrics, "simplepipe")
        if not isinstance(metrics, MetricSet):
            raise UsageError("metrics must be a MetricSet, a Simplepipe list or exposition bytes, "
                             f"not {type(metrics).__name__}")
        return exposition_for(metrics, key, self.identity)

    def _use_gateway(self, method: str, job: str, grouping_key: Mapping[str, str] | None,
                     metrics: MetricSet | list | bytes | None, retries: int | None) -> PushReceipt:
        request = self.prepare(method, metrics, job, grouping_key)
        answer, attempts = self._send(method, request.path, request.body, request.headers, retries)
        return PushReceipt(method, request.url, answer.status, attempts, request.series)

    def _send(self, method: str, path: str, body: bytes | None, headers: Mapping[str, str],
              retries: int | None) -> tuple[_Answer, int]:
        """One request, retried as `self._retry` says. The loop is ours, not urllib3's: urllib3 has no
        hook to give each attempt its own deadline, and drains a retried 5xx body without one."""
        url = self.url + path
        retry = self._retry if retries is None else self._retry.new(total=retry_count(retries))
        attempts = 0
        while True:
            attempts += 1
            try:
                answer = self._attempt(method, self._path_prefix + path, body, headers)
            except SSLError as exc:
                # A certificate problem does not heal by retrying.
                raise GatewayUnreachableError(url, f"TLS: {self._reason(exc)}", attempts) from exc
            except HTTPError as exc:
                try:
                    retry = retry.increment(method, url, error=exc)
                except HTTPError:
                    raise GatewayUnreachableError(url, self._reason(exc), attempts) from exc
                retry.sleep()
                continue
            if answer.status < 300:
                return answer, attempts
            if answer.status < 400:
                raise GatewayRefusedError(method, url, answer.status, "", location=answer.location or "")
            if retry.is_retry(method, answer.status):
                try:
                    retry = retry.increment(method, url, response=answer.response)
                except HTTPError:
                    pass  # retries exhausted: the last answer is the refusal
                else:
                    retry.sleep()
                    continue
            text = answer.body.decode("utf-8", "replace")
            raise GatewayRefusedError(method, url, answer.status, self._redact(text), truncated=answer.truncated,
                                      size=answer.size)

    def _attempt(self, method: str, path: str, body: bytes | None, headers: Mapping[str, str]) -> _Answer:
        """One request and its whole answer within `timeout` (of a refusal, at most MAX_ERROR_BODY read)."""
        with deadline.within(self.timeout):
            response = self._pool.urlopen(method, path, body=body, headers=headers, retries=False,
                                          redirect=False, assert_same_host=False, preload_content=False,
                                          release_conn=False)
            complete = False
            try:
                if response.status < 300:
                    data, truncated = response.read(), False
                else:
                    data = response.read(MAX_ERROR_BODY + 1)
                    truncated = len(data) > MAX_ERROR_BODY
                    data = data[:MAX_ERROR_BODY]
                complete = not truncated
            finally:
                if not complete:
                    response.close()  # the rest of the answer is never read: this connection is done
                response.release_conn()
        length = response.headers.get("Content-Length", "")
        return _Answer(response.status, data, truncated, int(length) if length.isdigit() else None,
                       response.headers.get("Location"), response)

    def _reason(self, exc: Exception) -> str:
        if _timed_out(exc):
            return f"no complete answer within the {self.timeout:g} s timeout"
        text = str(getattr(exc, "reason", None) or exc)
        # urllib3 prefixes the connection object; keep the part a user can act on.
        return self._redact(re.sub(r"^(<[^>]*>|\w*Connection\w*\([^)]*\)): ", "", text))

    def _redact(self, text: str) -> str:
        return redact(text, self._secrets)


def _timed_out(exc: BaseException | None) -> bool:
    """Whether `exc` (or what it wraps: urllib3 nests the socket's error a few levels deep) is a timeout."""
    for _ in range(5):
        if exc is None:
            return False
        if isinstance(exc, (ReadTimeoutError, TimeoutError)) or (
                isinstance(exc, ConnectTimeoutError) and not isinstance(exc, NewConnectionError)):
            return True
        wrapped = [a for a in (getattr(exc, "reason", None), *getattr(exc, "args", ())) if isinstance(a, BaseException)]
        exc = wrapped[0] if wrapped else exc.__cause__ or exc.__context__
    return False


def _longest_backoff(policy: Retry, retry_number: int) -> float:
    """The longest sleep before retry number `retry_number` (1-based) under `policy`."""
    if retry_number <= 1:
        return 0.0  # urllib3 retries the first time at once
    return min(policy.backoff_max, policy.backoff_factor * 2 ** (retry_number - 1) + policy.backoff_jitter)


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


def _holds_nothing(metrics: MetricSet | list | bytes) -> bool:
    if isinstance(metrics, (bytes, bytearray)):
        return _SAMPLE_LINE.search(metrics) is None
    return not len(metrics)


_SAMPLE_LINE = re.compile(rb"^[ \t]*[^#\s]", re.M)
