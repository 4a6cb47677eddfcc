"""What the supervisor process and LocalPlatform share: where the supervisor reports, and what a periodic job is.

Kept apart from harness.local.supervisor so that importing the platform does not import the module
`python -m harness.local.supervisor` runs."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

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
