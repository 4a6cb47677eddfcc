"""Input limits: how much a metrics input may weigh and how deep it may nest, and reading within them.

A metrics file is a few KiB; the limits are far above that and exist so that hostile or mistaken input
(`/dev/zero`, a 300 MB log, a billion-laughs YAML) is refused quickly, in small memory, with one line.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import IO, Mapping

from simplepipe.errors import InvalidMetricsError, UsageError

MAX_INPUT_BYTES = "SIMPLEPIPE_MAX_INPUT_BYTES"
DEFAULT_MAX_BYTES = 8 * 1024 * 1024
# Simplepipe, Kubeflow and Seldon documents nest 3 or 4 levels deep; 32 leaves room for any sane file.
MAX_DEPTH = 32

_SIZE = re.compile(r"([0-9]+)[ \t]*(B|KiB|MiB|GiB)?")
_UNITS = {None: 1, "B": 1, "KiB": 1024, "MiB": 1024 ** 2, "GiB": 1024 ** 3}


def parse_size(text: str, what: str) -> int:
    """A size such as `8388608`, `512KiB` or `8MiB`; anything else is a usage error."""
    match = _SIZE.fullmatch(str(text).strip())
    size = int(match.group(1)) * _UNITS[match.group(2)] if match else 0
    if size < 1:
        raise UsageError(f"{what}: {str(text)[:40]!r} is not a size in bytes (e.g. 8388608, 512KiB, 8MiB)")
    return size


def format_size(size: int) -> str:
    for unit in ("GiB", "MiB", "KiB"):
        if size >= _UNITS[unit] and size % _UNITS[unit] == 0:
            return f"{size // _UNITS[unit]} {unit}"
    return f"{size} bytes"


@dataclass(frozen=True)
class InputLimits:
    max_bytes: int = DEFAULT_MAX_BYTES
    max_depth: int = MAX_DEPTH

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None, max_bytes: str | int | None = None) -> "InputLimits":
        """`max_bytes` (the --max-input-size flag) wins over $SIMPLEPIPE_MAX_INPUT_BYTES, which wins over 8 MiB."""
        if max_bytes is not None:
            return cls(parse_size(max_bytes, "--max-input-size"))
        env = os.environ if environ is None else environ
        raw = env.get(MAX_INPUT_BYTES, "").strip()
        return cls(parse_size(raw, MAX_INPUT_BYTES)) if raw else cls()

    def too_large(self, source: str) -> InvalidMetricsError:
        return InvalidMetricsError(
            f"larger than the input limit of {format_size(self.max_bytes)}: not a metrics file? "
            f"(raise it with --max-input-size or {MAX_INPUT_BYTES})", source=source)

    def read(self, stream: IO[bytes] | IO[str], source: str) -> bytes | str:
        """At most max_bytes from `stream`; one byte more proves the input too large, without reading on."""
        data = stream.read(self.max_bytes + 1)
        if len(data) > self.max_bytes:
            raise self.too_large(source)
        return data

    def check_text(self, text: str, source: str) -> None:
        """The size limit for text handed over already read (the SDK's parse)."""
        # A character is at least one UTF-8 byte: only long text needs the exact count.
        if len(text) > self.max_bytes or (
                len(text) * 4 > self.max_bytes and len(text.encode("utf-8", "surrogatepass")) > self.max_bytes):
            raise self.too_large(source)
