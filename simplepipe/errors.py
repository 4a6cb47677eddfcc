"""Error types. The CLI maps each to an exit code and prints its message as one line."""
from __future__ import annotations

import re
from typing import Iterable

# `scheme://userinfo@`: the userinfo ends at the authority's end ('/'), so a group path's `@base64` stays.
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://)[^/\s@]*@")
SHOWN_BODY_CHARS = 500


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` without the userinfo of any URL in it, nor any of `secrets`: every message goes through here."""
    text = _USERINFO.sub(r"\1***@", text)
    for secret in secrets:
        if secret and len(secret) >= 4:  # a 1-3 character secret would blot out ordinary words
            text = text.replace(secret, "***")
    return text


class SimplepipeError(Exception):
    """Base of every error Simplepipe raises on purpose; its message is meant for the user
    (one line, credentials redacted)."""

    exit_code = 1

    def __init__(self, message: str = "") -> None:
        super().__init__(redact(message))


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
    """The Pushgateway answered with an error status or a redirect (never followed); its response
    body is kept (its first 64 KiB) and shown (its first 500 characters, with the body's size)."""

    exit_code = 5

    def __init__(self, method: str, url: str, status: int, body: str, *, truncated: bool = False,
                 size: int | None = None, location: str | None = None) -> None:
        """`truncated`: the gateway sent more than `body`; `size`: the whole body's bytes, if it said."""
        self.method = method
        self.url = url
        self.status = status
        self.body = body
        self.location = location
        shown = " ".join(body.split()) or "(empty body)"
        if truncated or len(shown) > SHOWN_BODY_CHARS:
            kept = len(body.encode("utf-8", "replace"))
            size_text = f"{size} bytes" if size is not None else f"more than {kept} bytes" if truncated \
                else f"{kept} bytes"
            shown = f"{shown[:SHOWN_BODY_CHARS]}... ({size_text}, truncated)"
        if location is not None:
            where = " ".join(location.split()) or "(no Location header)"
            super().__init__(f"Pushgateway answered {method} {url} with HTTP {status}, a redirect to {where}: "
                             "redirects are not followed (point --url at the Pushgateway itself)")
        else:
            super().__init__(f"Pushgateway refused {method} {url}: HTTP {status}: {shown}")
