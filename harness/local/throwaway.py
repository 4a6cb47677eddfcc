"""A throwaway LocalPlatform: free ports, its own state folder, up for a block and down after it (tests)."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from harness.local.platform import LocalPlatform


@contextmanager
def throwaway_platform(state_dir: Path, **options) -> Iterator[LocalPlatform]:
    """`down` also when `up` failed half-way or the block raised: no process is left behind."""
    platform = LocalPlatform(state_dir=state_dir, ports="free", **options)
    try:
        platform.up()
        yield platform
    finally:
        platform.down()
