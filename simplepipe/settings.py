"""Where the Pushgateway is and how to authenticate: the environment variables, in one place."""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Mapping

from simplepipe.errors import UsageError

URL = "SIMPLEPIPE_PUSHGATEWAY_URL"
LEGACY_URL = "PUSH_GATEWAY_HOSTNAME"  # the seed's variable; may be `host:port` without a scheme
USERNAME = "SIMPLEPIPE_PUSHGATEWAY_USERNAME"
PASSWORD = "SIMPLEPIPE_PUSHGATEWAY_PASSWORD"
TOKEN = "SIMPLEPIPE_PUSHGATEWAY_TOKEN"
CA_FILE = "SIMPLEPIPE_PUSHGATEWAY_CA_FILE"
INSECURE_SKIP_VERIFY = "SIMPLEPIPE_PUSHGATEWAY_INSECURE_SKIP_VERIFY"
ALL = (URL, LEGACY_URL, USERNAME, PASSWORD, TOKEN, CA_FILE, INSECURE_SKIP_VERIFY)

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


def normalize_url(url: str | None) -> str:
    """`host:port` (the legacy variable's form) becomes `http://host:port`; no trailing slash."""
    if not url or not url.strip():
        raise UsageError(f"no Pushgateway address: set {URL} (or the legacy {LEGACY_URL}) or pass --url")
    url = url.strip().rstrip("/")
    if "://" not in url:
        url = f"http://{url}"
    if not url.startswith(("http://", "https://")):
        raise UsageError(f"Pushgateway address {url!r} must be http:// or https://")
    return url
