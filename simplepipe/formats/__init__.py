"""Input formats: detect which one a metrics file is in and convert it into a validated MetricSet."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import yaml

from simplepipe.errors import InvalidMetricsError
from simplepipe.formats import kubeflow, prometheus_text, seldon, simplepipe_list
from simplepipe.spec import MetricSet

FORMATS = ("simplepipe", "kubeflow", "seldon", "prometheus")
_CONVERTERS = {"simplepipe": simplepipe_list, "kubeflow": kubeflow, "seldon": seldon}


def load(path_or_text: str | os.PathLike | bytes, fmt: str | None = None, source: str | None = None) -> MetricSet:
    """Read a metrics file (a path, `-` for stdin, or the text itself) and return the validated MetricSet.

    `fmt` is one of FORMATS, or None to auto-detect. `source` names the input in error messages.
    """
    text, source = _read(path_or_text, source)
    return parse(text, fmt, source)


def parse(text: str, fmt: str | None = None, source: str = "<metrics>") -> MetricSet:
    if fmt is not None and fmt not in FORMATS:
        raise InvalidMetricsError(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})", source=source)
    if fmt == "prometheus":
        return _from("prometheus", prometheus_text.convert(text, source))
    data = _structured(text, source, required=fmt is not None)
    if data is _NOT_STRUCTURED:
        if prometheus_text.looks_like(text):
            return _from("prometheus", prometheus_text.convert(text, source))
        raise InvalidMetricsError("not a metrics file: neither JSON/YAML (Simplepipe, Kubeflow, Seldon) "
                                  "nor Prometheus text", source=source)
    return from_data(data, fmt, source)


def from_data(data: Any, fmt: str | None = None, source: str = "<metrics>") -> MetricSet:
    """Convert already-parsed JSON/YAML data (a list or a mapping) into a MetricSet."""
    fmt = fmt or detect(data)
    if fmt is None:
        raise InvalidMetricsError(
            "cannot tell the format: expected a Simplepipe list [{\"name\", \"value\", \"metric_type\"}], "
            "Kubeflow {\"metrics\": [...]}, Seldon [{\"type\", \"key\", \"value\"}] or Prometheus text "
            "(use --format to say which)", source=source)
    if fmt == "prometheus":
        raise InvalidMetricsError("Prometheus text cannot come as JSON/YAML data", source=source)
    return _from(fmt, _CONVERTERS[fmt].convert(data, source))


def _from(fmt: str, metrics: MetricSet) -> MetricSet:
    """Remember the format a set was read from (`--standard` maps Kubeflow and Seldon names)."""
    metrics.format = fmt
    return metrics


def detect(data: Any) -> str | None:
    if kubeflow.looks_like(data):
        return "kubeflow"
    if isinstance(data, list) and not data:
        return "simplepipe"  # an empty list is a valid (empty) Simplepipe list
    if seldon.looks_like(data):
        return "seldon"
    if simplepipe_list.looks_like(data):
        return "simplepipe"
    return None


_NOT_STRUCTURED = object()


def _structured(text: str, source: str, required: bool) -> Any:
    stripped = text.lstrip()
    if stripped[:1] in ("[", "{"):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            if source.endswith(".json") or required:
                raise InvalidMetricsError(f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}",
                                          source=source) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        if required or source.endswith((".yaml", ".yml")):
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1}" if mark else ""
            raise InvalidMetricsError(f"invalid YAML{where}: {getattr(exc, 'problem', exc)}", source=source) from None
        return _NOT_STRUCTURED
    if isinstance(data, (list, dict)):
        return data
    if data is None and not stripped:
        return []
    return _NOT_STRUCTURED


def _read(path_or_text: str | os.PathLike | bytes, source: str | None) -> tuple[str, str]:
    if isinstance(path_or_text, bytes):
        return _decode(path_or_text, source or "<metrics>"), source or "<metrics>"
    if path_or_text == "-":
        return sys.stdin.read(), source or "<stdin>"
    if isinstance(path_or_text, os.PathLike) or ("\n" not in path_or_text and path_or_text.strip()[:1] not in "[{#"):
        path = Path(path_or_text)
        name = source or str(path_or_text)
        try:
            return _decode(path.read_bytes(), name), name
        except FileNotFoundError:
            raise InvalidMetricsError("no such file", source=name) from None
        except IsADirectoryError:
            raise InvalidMetricsError("is a directory, not a metrics file", source=name) from None
        except PermissionError:
            raise InvalidMetricsError("permission denied", source=name) from None
    return path_or_text, source or "<metrics>"


def _decode(data: bytes, source: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidMetricsError(f"not UTF-8 text (byte {exc.start})", source=source) from None
