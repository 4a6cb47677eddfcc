"""Container images the local runner knows, and the local commands that stand in for them."""
from __future__ import annotations

import fnmatch
import os
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

from harness.paths import REPO_ROOT
from harness.runner.errors import UnknownImageError

VENV_BIN = Path(sys.executable).parent
# PATH of every step: the venv first, so `python3` and `simplepipe` inside `sh -c` are the mapped ones.
STEP_PATH = os.pathsep.join([str(VENV_BIN), "/usr/local/bin", "/usr/bin", "/bin"])
_PYTHON = re.compile(r"^python(3(\.\d+)?)?$")
# What python:3.11-slim (Debian bookworm-slim) has in /usr/bin besides Python: GNU coreutils and the other
# packages every Debian system has (bash, dash, grep, sed, findutils, tar, gzip, mawk, diffutils, hostname,
# perl-base, debianutils). A step may call them directly (`command: [echo]`); the host's own stand in.
DEBIAN_SLIM_COMMANDS = frozenset("""
    arch b2sum base32 base64 basename basenc cat chgrp chmod chown cksum comm cp csplit cut date dd df dir
    dircolors dirname du echo env expand expr factor false fmt fold groups head hostid id install join link ln
    logname ls md5sum mkdir mkfifo mknod mktemp mv nice nl nohup nproc numfmt od paste pathchk pr printenv printf
    ptx pwd readlink realpath rm rmdir seq sha1sum sha224sum sha256sum sha384sum sha512sum shred shuf sleep sort
    split stat stdbuf sum sync tac tail tee test timeout touch tr true truncate tsort tty uname unexpand uniq
    unlink vdir wc whoami yes
    sh dash bash grep egrep fgrep sed find xargs tar gzip gunzip zcat awk mawk diff cmp hostname perl which
    tempfile
""".split())
_SHELLS = {"sh": ("/bin/sh",), "bash": ("/bin/bash",)}


def _host_commands(names: frozenset[str]) -> dict[str, tuple[str, ...]]:
    """The host's executables for the image's commands it has (the host must be a Debian-like system)."""
    found = {}
    for name in sorted(names):
        path = shutil.which(name, path="/usr/bin:/bin")
        if path:
            found[name] = (path,)
    return found


@dataclass(frozen=True)
class LocalImage:
    """What runs locally in place of an image: its executables, default command and files."""

    patterns: tuple[str, ...]
    python: tuple[str, ...]  # argv prefix standing in for the image's python3
    executables: dict[str, tuple[str, ...]] = field(default_factory=dict)
    entrypoint: tuple[str, ...] = ()  # the image's ENTRYPOINT
    cmd: tuple[str, ...] = ()  # the image's CMD
    working_dir: str = "/"
    env: dict[str, str] = field(default_factory=dict)  # the image's ENV that changes behaviour
    files: dict[str, Path] = field(default_factory=dict)  # absolute paths inside the image -> local files

    def argv(self, command: tuple[str, ...], args: tuple[str, ...], working_dir: str | None, path: str) -> list[str]:
        # Kubernetes: `command` replaces ENTRYPOINT (and drops CMD); `args` replaces CMD.
        argv = [*command, *args] if command else [*self.entrypoint, *(args or self.cmd)]
        if not argv:
            raise UnknownImageError(f"{path}.command", "is empty and the image has no default command")
        executable = argv[0].rsplit("/", 1)[-1] if argv[0].startswith("/") else argv[0]
        if _PYTHON.match(executable):
            prefix = self.python
        elif executable in self.executables:
            prefix = self.executables[executable]
        else:
            known = "python3, " + ", ".join(sorted(n for n in self.executables if n not in DEBIAN_SLIM_COMMANDS)) \
                + " and Debian's base commands (coreutils, grep, sed, awk, find, tar, ...)"
            raise UnknownImageError(f"{path}.command[0]" if command else f"{path}.args[0]",
                                    f"{argv[0]!r} is not a command the local runner maps for this image "
                                    f"(known: {known})")
        cwd = working_dir or self.working_dir
        return [*prefix, *(self._file(arg, cwd) for arg in argv[1:])]

    def _file(self, arg: str, cwd: str) -> str:
        in_image = arg if arg.startswith("/") else f"{cwd.rstrip('/')}/{arg}"
        return str(self.files[in_image]) if in_image in self.files else arg


# python:* (e.g. python:3.11-slim): the venv's interpreter without site-packages (-S), like a slim image
# that has only the standard library: a script that needs simplepipe must use the Simplepipe image.
PYTHON_IMAGE = LocalImage(
    patterns=("python:*", "docker.io/python:*", "docker.io/library/python:*"),
    python=(sys.executable, "-S"),
    executables={**_host_commands(DEBIAN_SLIM_COMMANDS), **_SHELLS},
    cmd=("python3",),
)

# The Simplepipe image (simplepipe/Dockerfile): Python with simplepipe installed, the `simplepipe`
# CLI on PATH, no ENTRYPOINT, and the legacy `python3 app.py FILE JOB` in /app.
SIMPLEPIPE_IMAGE = LocalImage(
    patterns=("ghcr.io/simplepipe/simplepipe:*", "ghcr.io/simplepipe/simplepipe", "simplepipe:*"),
    python=(sys.executable,),
    executables={**_host_commands(DEBIAN_SLIM_COMMANDS), "simplepipe": (str(VENV_BIN / "simplepipe"),), **_SHELLS},
    cmd=("simplepipe", "--help"),
    working_dir="/app",
    env={"PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1"},
    files={"/app/app.py": REPO_ROOT / "simplepipe" / "app.py"},
)

KNOWN_IMAGES = (PYTHON_IMAGE, SIMPLEPIPE_IMAGE)


def local_image(image: str, path: str) -> LocalImage:
    for candidate in KNOWN_IMAGES:
        if any(fnmatch.fnmatchcase(image, pattern) for pattern in candidate.patterns):
            return candidate
    known = ", ".join(p for c in KNOWN_IMAGES for p in c.patterns)
    raise UnknownImageError(f"{path}.image", f"image {image!r} has no local stand-in (known: {known})")
