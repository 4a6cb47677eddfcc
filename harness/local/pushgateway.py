"""A Pushgateway process: its command line, and basic auth (and TLS) through its web config."""
from __future__ import annotations

from pathlib import Path

import bcrypt
import yaml

from harness.net import HOST
from harness.tenants import Tenant


def web_config(username: str | None, password: str = "", *, tls: tuple[Path, Path] | None = None,
               bcrypt_rounds: int = 10) -> dict:
    """The gateway's --web.config.file: one basic-auth user with a bcrypt hash of the password (none when
    `username` is None), and TLS with a (certificate, key) pair. Fewer rounds make each request's check cheaper."""
    config: dict = {}
    if username is not None:
        hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=bcrypt_rounds)).decode()
        config["basic_auth_users"] = {username: hashed}
    if tls:
        config["tls_server_config"] = {"cert_file": str(tls[0]), "key_file": str(tls[1])}
    return config


# bcrypt's cost for the local gateways' hashes. The lowest: Prometheus' scrape credentials put the plaintext
# password in the same 0600 folder (harness.local.configs), so a costlier hash protects nothing here, and
# cost 10 took 0.1-0.2 s per tenant at every fresh `make up` (40 s for 200 tenants).
LOCAL_BCRYPT_ROUNDS = 4


def write_web_config(path: Path, tenant: Tenant) -> None:
    """The tenant's user with a bcrypt hash of the password.

    Rewritten only when the password no longer matches, so that `up` stays idempotent."""
    if path.exists():
        try:
            users = yaml.safe_load(path.read_text())["basic_auth_users"]
            if bcrypt.checkpw(tenant.password.encode(), users[tenant.username].encode()) and len(users) == 1:
                return
        except (yaml.YAMLError, KeyError, TypeError, ValueError):
            pass
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"# Generated from platform/tenants.yaml: tenant {tenant.name}'s Pushgateway credentials.\n"
                    + yaml.safe_dump(web_config(tenant.username, tenant.password, bcrypt_rounds=LOCAL_BCRYPT_ROUNDS)))
    path.chmod(0o600)


def pushgateway_argv(binary: Path | str, web_config: Path | None, persistence: Path | str, port: int, *,
                     persistence_interval: str = "30s", extra: tuple[str, ...] = ()) -> list[str]:
    """Port 0: the gateway binds a free port itself (SupervisedProcess.wait_listening finds it).
    `persistence` "": memory only (Debian's build otherwise persists to a shared /var/lib file)."""
    argv = [str(binary), f"--web.listen-address={HOST}:{port}"]
    if web_config is not None:
        argv.append(f"--web.config.file={web_config}")
    return argv + [f"--persistence.file={persistence}", f"--persistence.interval={persistence_interval}",
                   "--log.level=warn", *extra]
