"""What the supervisor process and LocalPlatform share: where the supervisor reports, and what a periodic job is.

Kept apart from harness.local.supervisor so that importing the platform does not import the module
`python -m harness.local.supervisor` runs."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

from harness.local.settings import LocalSettings
from harness.tenants import Tenant

STATUS_FILE = "supervisor.json"  # in the state folder, written by the supervisor only
SPEC_FILE = "supervisor-spec.json"  # in config/, written by `up` only: tenants, port mode, rule files


@dataclass(frozen=True)
class PeriodicJob:
    """Work the supervisor runs every `interval` seconds once the platform is ready (e.g. a tenant's gc)."""

    name: str
    interval: float
    run: Callable[[], object]


def read_status(state_dir: Path) -> dict:
    """The supervisor's last written status, {} when there is none (or it is unreadable)."""
    try:
        return json.loads((Path(state_dir) / STATUS_FILE).read_text())
    except (OSError, ValueError):
        return {}


@dataclass(frozen=True)
class SupervisorSpec:
    """What the supervisor runs, as `up` wrote it: the tenants (every field), the settings, the port mode and
    the rule files. It holds the tenants' passwords, so only its owner may read it."""

    port_mode: str
    rule_files: str
    settings: LocalSettings
    tenants: list[Tenant]

    def write(self, path: Path) -> None:
        tmp = path.with_suffix(".tmp")
        tmp.touch(mode=0o600)
        tmp.write_text(json.dumps({
            "port_mode": self.port_mode, "rule_files": self.rule_files, "settings": self.settings.to_dict(),
            "tenants": [asdict(t) for t in self.tenants],  # every field, also ones added later
        }, indent=2) + "\n")
        tmp.chmod(0o600)
        tmp.replace(path)

    @classmethod
    def read(cls, path: Path) -> "SupervisorSpec":
        spec = json.loads(Path(path).read_text())
        return cls(spec["port_mode"], spec["rule_files"], LocalSettings.from_dict(spec["settings"]),
                   [Tenant.from_dict(t) for t in spec["tenants"]])
