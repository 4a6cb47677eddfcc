"""A tenant's Pushgateway on the local platform: basic auth through its web config, a persistence file."""
from __future__ import annotations

from pathlib import Path

import bcrypt
import yaml

from harness.local.settings import HOST
from harness.tenants import Tenant


def write_web_config(path: Path, tenant: Tenant) -> None:
    """The gateway's --web.config.file: the tenant's user with a bcrypt hash of the password.

    Rewritten only when the password no longer matches, so that `up` stays idempotent."""
    if path.exists():
        try:
            users = yaml.safe_load(path.read_text())["basic_auth_users"]
            if bcrypt.checkpw(tenant.password.encode(), users[tenant.username].encode()) and len(users) == 1:
                return
        except (yaml.YAMLError, KeyError, TypeError, ValueError):
            pass
    hashed = bcrypt.hashpw(tenant.password.encode(), bcrypt.gensalt(rounds=10)).decode()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"# Generated from platform/tenants.yaml: tenant {tenant.name}'s Pushgateway credentials.\n"
                    + yaml.safe_dump({"basic_auth_users": {tenant.username: hashed}}))
    path.chmod(0o600)


def pushgateway_argv(binary: Path, web_config: Path, persistence: Path, port: int) -> list[str]:
    return [str(binary), f"--web.listen-address={HOST}:{port}", f"--web.config.file={web_config}",
            f"--persistence.file={persistence}", "--persistence.interval=30s", "--log.level=warn"]
