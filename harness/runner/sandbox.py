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

A declared path may name the image's own files (Argo's dag-argument-passing example outputs
`/etc/hosts`): such a path, under one of the image's system folders and present on this machine, is
copied into the step's root before the step runs, as a container sees it in its own filesystem.
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

TMP = "/tmp"
SCRIPT_PATH = "/argo/staging/script"
PROGRESS_FILE = "/var/run/argo/progress"
# Folders of an image's filesystem that the host's own stand in for (read-only, as harness.runner.images maps
# the image's commands to the host's).
IMAGE_FOLDERS = ("/etc", "/usr", "/bin", "/sbin", "/lib", "/lib64", "/opt")

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
        for path in paths:
            self._copy_image_file(path)

    def _copy_image_file(self, path: str) -> None:
        """The image's file or folder at a declared path, copied in (links followed, unreadable files left out)."""
        host = Path(path)
        if not path.startswith(tuple(f"{folder}/" for folder in IMAGE_FOLDERS) + IMAGE_FOLDERS) or not host.exists():
            return
        local = self.local(path)
        if local.exists():
            return
        local.parent.mkdir(parents=True, exist_ok=True)
        try:
            if host.is_dir():
                shutil.copytree(host, local, symlinks=False, ignore_dangling_symlinks=True)
            else:
                shutil.copyfile(host, local)
        except (shutil.Error, OSError):
            pass  # what could be read was copied: the rest of the host is not the image anyway

    def local(self, container_path: str) -> Path:
        """Where a container path of this step lives on this machine."""
        return self.root / container_path.lstrip("/")

    def rewrite(self, text: str) -> str:
        return self._pattern.sub(lambda m: str(self.local(m.group(1))), text)

    @property
    def tmp(self) -> Path:
        return self.local(TMP)
