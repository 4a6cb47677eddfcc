"""A step's private root directory, and the rewriting of container paths into it.

A container has its own filesystem; a local process does not. Each step therefore gets a
private root `<work_root>/<workflow>/<pod>/root`, and these container paths are mapped into it:
  - `/tmp` and everything under it (also TMPDIR points there),
  - every path the template declares: input/output artifact `path`s, output parameter `valueFrom.path`,
  - Argo's own files: the script (`/argo/staging/script`) and the progress file (`/var/run/argo/progress`).
The mapping is a textual rewrite of those paths wherever they appear in the container's command,
args, script source and env values, so `open("/tmp/metric.json", "w")` in two concurrent
workflows writes two different files. Other absolute paths are left alone (read-only use of the
host, e.g. /etc, /usr) and image files are mapped by harness.runner.images.
"""
from __future__ import annotations

import re
from pathlib import Path

TMP = "/tmp"
SCRIPT_PATH = "/argo/staging/script"
PROGRESS_FILE = "/var/run/argo/progress"

# A path starts where no path character precedes it and ends at the end of a path component.
_BEFORE = r"(?<![\w./-])"
_AFTER = r"(?=$|/|[^\w.-])"


class StepSandbox:
    def __init__(self, root: Path, declared_paths: list[str]):
        self.root = root
        paths = {TMP, SCRIPT_PATH, PROGRESS_FILE, *(p.rstrip("/") for p in declared_paths if p.startswith("/"))}
        paths.discard("")  # "/" itself would map every path: refuse silently mapping the world
        ordered = sorted(paths, key=len, reverse=True)
        self._pattern = re.compile(_BEFORE + "(" + "|".join(re.escape(p) for p in ordered) + ")" + _AFTER)
        for directory in ("tmp", "argo/staging", "var/run/argo"):
            (root / directory).mkdir(parents=True, exist_ok=True)

    def local(self, container_path: str) -> Path:
        """Where a container path of this step lives on this machine."""
        return self.root / container_path.lstrip("/")

    def rewrite(self, text: str) -> str:
        return self._pattern.sub(lambda m: str(self.local(m.group(1))), text)

    @property
    def tmp(self) -> Path:
        return self.local(TMP)
