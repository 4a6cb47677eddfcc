"""The `--web.config.file` of Prometheus' servers (Prometheus, Alertmanager, Pushgateway: exporter-toolkit's
format): one basic-auth user with a bcrypt hash of its password, and optionally TLS."""
from __future__ import annotations

from pathlib import Path

import bcrypt
import yaml


def web_config(username: str | None, password: str = "", *, tls: tuple[Path, Path] | None = None,
               bcrypt_rounds: int = 10) -> dict:
    """One basic-auth user with a bcrypt hash of the password (none when `username` is None), and TLS with a
    (certificate, key) pair. Fewer rounds make each request's check cheaper."""
    config: dict = {}
    if username is not None:
        hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=bcrypt_rounds)).decode()
        config["basic_auth_users"] = {username: hashed}
    if tls:
        config["tls_server_config"] = {"cert_file": str(tls[0]), "key_file": str(tls[1])}
    return config


# bcrypt's cost for the local platform's hashes. The lowest: the plaintext password sits in the same owner-only
# config folder (Prometheus' scrape credentials, the administrator's password file), so a costlier hash protects
# nothing here, and cost 10 took 0.1-0.2 s per tenant at every fresh `make up` (40 s for 200 tenants).
LOCAL_BCRYPT_ROUNDS = 4


def write_web_config(path: Path, username: str, password: str, header: str) -> bool:
    """The file with exactly this one user; rewritten only when the password no longer matches (a new bcrypt
    salt each time would make every `up` look like a change). True when written. Owner-only (0600)."""
    if path.exists():
        try:
            users = yaml.safe_load(path.read_text())["basic_auth_users"]
            if len(users) == 1 and bcrypt.checkpw(password.encode(), users[username].encode()):
                return False
        except (yaml.YAMLError, KeyError, TypeError, ValueError, AttributeError):
            pass
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.chmod(0o600)
    path.write_text(f"# {header}\n" + yaml.safe_dump(web_config(username, password, bcrypt_rounds=LOCAL_BCRYPT_ROUNDS)))
    return True
