"""Where the Pushgateway is, how to authenticate and how long to try: the environment variables and
the checks of every connection option, in one place."""
from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Mapping
from urllib.parse import unquote, urlsplit

from simplepipe.errors import UsageError, redact

URL = "SIMPLEPIPE_PUSHGATEWAY_URL"
LEGACY_URL = "PUSH_GATEWAY_HOSTNAME"  # the seed's variable; may be `host:port` without a scheme
USERNAME = "SIMPLEPIPE_PUSHGATEWAY_USERNAME"
PASSWORD = "SIMPLEPIPE_PUSHGATEWAY_PASSWORD"
TOKEN = "SIMPLEPIPE_PUSHGATEWAY_TOKEN"
CA_FILE = "SIMPLEPIPE_PUSHGATEWAY_CA_FILE"
INSECURE_SKIP_VERIFY = "SIMPLEPIPE_PUSHGATEWAY_INSECURE_SKIP_VERIFY"

TRUE = ("1", "true", "yes", "on")


@dataclass(frozen=True)
class GatewaySettings:
    url: str | None = None
    username: str | None = None
    password: str | None = None
    token: str | None = None
    ca_file: str | None = None
    insecure_skip_verify: bool = False

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> "GatewaySettings":
        env = os.environ if environ is None else environ

        def get(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        return cls(
            url=get(URL) or get(LEGACY_URL),
            username=get(USERNAME),
            password=env.get(PASSWORD) or None,
            token=get(TOKEN),
            ca_file=get(CA_FILE),
            insecure_skip_verify=(get(INSECURE_SKIP_VERIFY) or "").lower() in TRUE,
        )


@dataclass(frozen=True)
class GatewayAddress:
    """A Pushgateway base URL without credentials, and the basic-auth credentials it carried."""

    url: str
    username: str | None = None
    password: str | None = None

    @classmethod
    def parse(cls, raw: str | None) -> "GatewayAddress":
        """`host:port` (the legacy variable's form) becomes `http://host:port`; no trailing slash.
        A query string or fragment is refused: the group's path is appended to the URL."""
        if not isinstance(raw, str) or not raw.strip():
            raise UsageError(f"no Pushgateway address: set {URL} (or the legacy {LEGACY_URL}) or pass --url")
        url = raw.strip()
        if "://" not in url:
            url = f"http://{url}"
        shown = _shown(url)
        if any(ord(ch) <= 0x20 or ord(ch) == 0x7F for ch in url):
            raise UsageError(f"Pushgateway address {shown!r} holds a blank or control character")
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            # urllib's own message may quote part of a password: not shown.
            raise UsageError(f"Pushgateway address {shown!r} is not a valid URL (its host or port; "
                             "ports are 1..65535)") from None
        if parts.scheme not in ("http", "https"):
            raise UsageError(f"Pushgateway address {shown!r} must be http:// or https://")
        if not parts.hostname:
            raise UsageError(f"Pushgateway address {shown!r} has no host")
        if port == 0:
            raise UsageError(f"Pushgateway address {shown!r}: port 0 is not a port (1..65535)")
        if parts.query or parts.fragment or "?" in url or "#" in url:
            raise UsageError(f"Pushgateway address {shown!r} must not have a query string or fragment "
                             "(the group's path is appended to the URL)")
        userinfo, _, host = parts.netloc.rpartition("@")
        username = password = None
        if userinfo:
            user, colon, secret = userinfo.partition(":")
            if not colon:
                raise UsageError(f"Pushgateway address {shown!r} has a user but no password")
            username, password = unquote(user), unquote(secret)
        return cls(f"{parts.scheme}://{host}{parts.path.rstrip('/')}", username, password)


def _shown(url: str) -> str:
    """The address for a message: whatever precedes its last '@' may be a password, typed with any
    characters ('/', '?', '#'), so it is cut there rather than where a URL parser would cut it."""
    if "@" in url:
        scheme, _, rest = url.partition("://")
        url = f"{scheme}://user@{rest.rpartition('@')[2]}"
    return redact(url)


def timeout_seconds(value: object) -> float:
    """A timeout: a finite number of seconds > 0."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise UsageError(f"timeout must be a finite number of seconds > 0, not {value!r}")
    return float(value)


def retry_count(value: object) -> int:
    """A number of retries: an integer >= 0."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise UsageError(f"retries must be an integer >= 0, not {value!r}")
    return value


def backoff_seconds(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise UsageError(f"{name} must be a finite number of seconds >= 0, not {value!r}")
    return float(value)


def check_credential(value: str | None, what: str, *, token: bool = False) -> None:
    """A credential goes into an HTTP header: no line breaks or control characters (a token: visible
    ASCII only). The message never shows the value."""
    if value is None:
        return
    if not isinstance(value, str):
        raise UsageError(f"the {what} must be a string")
    if token:
        if not value or any(not 0x21 <= ord(ch) <= 0x7E for ch in value):
            raise UsageError(f"the {what} holds a blank, control or non-ASCII character (not shown); "
                             "a bearer token is visible ASCII only")
    elif any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        raise UsageError(f"the {what} holds a line break or control character (not shown)")
