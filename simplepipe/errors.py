"""Error types. The CLI maps each to an exit code and prints its message as one line."""
from __future__ import annotations


class SimplepipeError(Exception):
    """Base of every error Simplepipe raises on purpose; its message is meant for the user."""

    exit_code = 1


class UsageError(SimplepipeError):
    """The command line or the environment is incomplete or contradictory."""

    exit_code = 2


class InvalidMetricsError(SimplepipeError):
    """The metrics input breaks the spec; nothing was pushed.

    The message names the source (file), the item (index in the list, or line for
    Prometheus text), the metric name and the field, so the user can fix it directly.
    """

    exit_code = 3

    def __init__(
        self,
        problem: str,
        *,
        source: str = "<metrics>",
        item: int | None = None,
        line: int | None = None,
        name: str | None = None,
        field: str | None = None,
    ) -> None:
        self.problem = problem
        self.source = source
        self.item = item
        self.line = line
        self.name = name
        self.field = field
        super().__init__(self._render())

    def _render(self) -> str:
        where = [self.source]
        position = []
        if self.item is not None:
            position.append(f"item {self.item}")
        if self.line is not None:
            position.append(f"line {self.line}")
        if position:
            where.append(" ".join(position) + (f" (name {self.name!r})" if self.name else ""))
        elif self.name:
            where.append(f"metric {self.name!r}")
        if self.field:
            where.append(f"field {self.field!r}")
        return ": ".join(where + [self.problem])


class GatewayUnreachableError(SimplepipeError):
    """No HTTP answer from the Pushgateway after all retries (refused, DNS, TLS, timeout)."""

    exit_code = 4

    def __init__(self, url: str, reason: str, attempts: int) -> None:
        self.url = url
        self.reason = reason
        self.attempts = attempts
        super().__init__(
            f"Pushgateway {url} unreachable after {attempts} attempt(s): {reason}"
        )


class GatewayRefusedError(SimplepipeError):
    """The Pushgateway answered with an error status; its response body is kept and shown."""

    exit_code = 5

    def __init__(self, method: str, url: str, status: int, body: str) -> None:
        self.method = method
        self.url = url
        self.status = status
        self.body = body
        shown = " ".join(body.split()) or "(empty body)"
        super().__init__(f"Pushgateway refused {method} {url}: HTTP {status}: {shown}")
