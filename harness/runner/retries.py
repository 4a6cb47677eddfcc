"""When Argo retries a failed node, and how long it waits first (workflow/controller/operator.go
processNodeRetries). A retried node's attempts are its children `name(0)`, `name(1)`, ...; the decision after
each attempt is made here from the attempts so far."""
from __future__ import annotations

import re
from dataclasses import dataclass

from harness.runner.errors import StepError
from harness.runner.expressions import ExpressionError, retry_expression_holds
from harness.runner.spec import RetryStrategy
from harness.workflows import Phase

# util/errors/errors.go: messages of errors Argo deems transient (retryPolicy OnTransientError).
_TRANSIENT = ("etcdserver: leader changed", "etcdserver: request timed out", "etcdserver: too many requests",
              "unexpected error when reading response body", "stream error when reading response body",
              "Connection closed by foreign host", "net/http: TLS handshake timeout", "i/o timeout",
              "connection timed out", "connection reset by peer", "http2: client connection lost",
              "http2: server sent GOAWAY and closed the connection",
              "request did not complete within requested timeout", "connect: connection refused",
              "invalid connection", "client rate limiter Wait returned an error", "upper: no more rows in")
_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_PART = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")


def seconds(duration: str) -> float:
    """wfv1.ParseStringToDuration: a bare number is seconds, else a Go duration (1h30m, 90s, 500ms)."""
    text = duration.strip()
    if re.fullmatch(r"\d+", text):
        return float(text)
    parts = _PART.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise StepError(f"retryStrategy: {duration!r} is not a duration")
    return sum(float(number) * _UNITS[unit] for number, unit in parts)


@dataclass(frozen=True)
class Attempt:
    """What the decision needs of one finished attempt."""

    phase: Phase
    message: str
    exit_code: int | None
    started: float  # time.monotonic()
    finished: float
    duration: float  # whole seconds, as Argo's node timestamps (RFC 3339, to the second) give it


@dataclass(frozen=True)
class Decision:
    retry: bool
    wait: float = 0.0  # seconds to back off before the next attempt
    message: str = ""  # the retry node's message when it stops


def decide(strategy: RetryStrategy, attempts: list[Attempt], now: float,
           workflow_deadline: float | None) -> Decision:
    """Whether to run another attempt after the last one, as processNodeRetries decides (in its order)."""
    last = attempts[-1]
    if not last.phase.unsuccessful:
        return Decision(False)
    if workflow_deadline is not None and now >= workflow_deadline:
        return Decision(False, message="retry exceeded workflow deadline")
    wait = 0.0
    backoff = strategy.backoff
    if backoff is not None:
        max_deadline = None
        if backoff.max_duration:
            max_deadline = attempts[0].started + seconds(backoff.max_duration)
            if now > max_deadline:
                return Decision(False, message="Max duration limit exceeded")
        wait = seconds(backoff.duration)
        factor = int(backoff.factor) if backoff.factor else 0
        if factor > 0:
            wait *= factor ** (len(attempts) - 1)  # duration * factor^retry_number
        if backoff.cap:
            wait = min(wait, seconds(backoff.cap))
        if max_deadline is not None and last.finished + wait > max_deadline:
            return Decision(False, message="Backoff would exceed max duration limit")
        if strategy.limit is None or len(attempts) > int(strategy.limit):
            wait = 0.0  # Argo backs off only while a limit leaves attempts to come
    policy = strategy.policy
    retry_failed = policy in ("Always", "OnFailure")
    retry_error = policy in ("Always", "OnError")
    if policy == "OnTransientError":
        retry_failed = retry_error = any(pattern in last.message for pattern in _TRANSIENT)
    if (last.phase == Phase.FAILED and not retry_failed) or (last.phase == Phase.ERROR and not retry_error):
        return Decision(False, message=last.message)
    if strategy.limit is not None and len(attempts) > int(strategy.limit):
        return Decision(False, message="No more retries left")
    if strategy.expression:
        try:
            holds = retry_expression_holds(strategy.expression, retries=len(attempts) - 1,
                                           exit_code=str(last.exit_code if last.exit_code is not None else -1),
                                           status=str(last.phase), duration=last.duration,
                                           message=last.message)
        except ExpressionError as exc:
            raise StepError(str(exc)) from None
        if not holds:
            return Decision(False, message="retryStrategy.expression evaluated to false")
    return Decision(True, wait=max(0.0, last.finished + wait - now))
