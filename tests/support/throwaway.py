"""A throwaway LocalPlatform: free ports, its own state folder, up for a block and down after it (tests)."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from harness.local.platform import LocalPlatform
from harness.tenants import Tenant


@contextmanager
def throwaway_platform(state_dir: Path, tenants: list[Tenant] | None = None, **options) -> Iterator[LocalPlatform]:
    """`down` also when `up` failed half-way or the block raised: no process is left behind.
    `tenants` default to platform/tenants.yaml's; other options are LocalPlatform's."""
    platform = LocalPlatform(state_dir=state_dir, ports="free", tenants=tenants, **options)
    try:
        platform.up()
        yield platform
    finally:
        platform.down()
