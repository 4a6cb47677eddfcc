"""Input formats: detect which one a metrics file is in and convert it into a validated MetricSet."""
from __future__ import annotations

import json
import os
import sys
from typing import Any

import yaml

from simplepipe.errors import InvalidMetricsError
from simplepipe.formats import documents, kubeflow, prometheus_text, seldon, simplepipe_list
from simplepipe.limits import InputLimits
from simplepipe.spec import MetricSet, shown

FORMATS = ("simplepipe", "kubeflow", "seldon", "prometheus")
_CONVERTERS = {"simplepipe": simplepipe_list, "kubeflow": kubeflow, "seldon": seldon}
STDIN = "-"


def load(path: str | os.PathLike | bytes, fmt: str | None = None, source: str | None = None,
         limits: InputLimits | None = None) -> MetricSet:
    """Read a metrics file (a path, or `-` for stdin; bytes are the file's content) and return the
    validated MetricSet, which holds at least one metric.

    `fmt` is one of FORMATS, or None to auto-detect. `source` names the input in error messages.
    `limits` default to InputLimits.from_environ(). Text in hand goes to `parse`, never here: a file
    named `[x]` or `#1` is a file.
    """
    limits = limits or InputLimits.from_environ()
    text, source = _read(path, source, limits)
    return _parse(text, fmt, source, limits)


def parse(text: str, fmt: str | None = None, source: str = "<metrics>", limits: InputLimits | None = None) -> MetricSet:
    """The metrics in `text` (the content of a metrics file), validated; at least one metric."""
    limits = limits or InputLimits.from_environ()
    limits.check_text(text, source)
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise InvalidMetricsError(f"not UTF-8 text (character {exc.start})", source=source) from None
    return _parse(text, fmt, source, limits)


def from_data(data: Any, fmt: str | None = None, source: str = "<metrics>") -> MetricSet:
    """Convert already-parsed JSON/YAML data (a list or a mapping) into a MetricSet of at least one metric."""
    return _nonempty(_from_data(data, fmt, source))


def detect(data: Any) -> str | None:
    if kubeflow.looks_like(data):
        return "kubeflow"
    if isinstance(data, list) and not data:
        return "simplepipe"  # an empty list reads as a Simplepipe list (and is then refused as empty)
    if seldon.looks_like(data):
        return "seldon"
    if simplepipe_list.looks_like(data):
        return "simplepipe"
    return None


def _parse(text: str, fmt: str | None, source: str, limits: InputLimits) -> MetricSet:
    if fmt is not None and fmt not in FORMATS:
        raise InvalidMetricsError(f"unknown format {shown(fmt)} (one of {', '.join(FORMATS)})", source=source)
    if fmt == "prometheus" or (fmt is None and prometheus_text.looks_like(text)):
        return _nonempty(_from("prometheus", prometheus_text.convert(text, source)))
    data = _structured(text, source, limits, required=fmt is not None)
    if data is _NOT_STRUCTURED:
        raise InvalidMetricsError("not a metrics file: neither JSON/YAML (Simplepipe, Kubeflow, Seldon) "
                                  "nor Prometheus text", source=source)
    return _nonempty(_from_data(data, fmt, source))


def _from_data(data: Any, fmt: str | None, source: str) -> MetricSet:
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


def _nonempty(metrics: MetricSet) -> MetricSet:
    # A PUT of nothing empties the group on the gateway; deleting a group is `simplepipe delete`.
    if not len(metrics):
        raise InvalidMetricsError("holds no metrics: nothing to push (to remove a group, use simplepipe delete)",
                                  source=metrics.source)
    return metrics


_NOT_STRUCTURED = object()


def _structured(text: str, source: str, limits: InputLimits, required: bool) -> Any:
    stripped = text.lstrip()
    if not stripped:
        return []  # blank: an empty list, refused as empty
    if stripped[:1] in ("[", "{"):
        try:
            return documents.load_json(text, source, limits.max_depth)
        except json.JSONDecodeError as exc:
            if source.endswith(".json") or required:
                raise InvalidMetricsError(f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}",
                                          source=source) from None
    try:
        data = documents.load_yaml(text, source, limits.max_depth)
    except yaml.YAMLError as exc:
        if required or source.endswith((".yaml", ".yml")):
            raise InvalidMetricsError(documents.yaml_problem(exc), source=source) from None
        return _NOT_STRUCTURED
    if isinstance(data, (list, dict)):
        return data
    if data is None:
        return []  # only comments: refused as empty
    return _NOT_STRUCTURED


def _read(path: str | os.PathLike | bytes, source: str | None, limits: InputLimits) -> tuple[str, str]:
    if isinstance(path, (bytes, bytearray)):
        name = source or "<metrics>"
        if len(path) > limits.max_bytes:
            raise limits.too_large(name)
        return decode(bytes(path), name), name
    if path == STDIN:
        name = source or "<stdin>"
        stream = getattr(sys.stdin, "buffer", sys.stdin)
        data = limits.read(stream, name)
        return (data if isinstance(data, str) else decode(data, name)), name
    if not isinstance(path, (str, os.PathLike)):
        raise InvalidMetricsError(f"{shown(path)} is not a file name", source=source or "<metrics>")
    name = source or str(path)
    if not str(path).strip():
        raise InvalidMetricsError("no file given (an empty file name): no metrics to push", source=repr(str(path)))
    try:
        with open(path, "rb") as stream:
            return decode(limits.read(stream, name), name), name
    except FileNotFoundError:
        raise InvalidMetricsError("no such file", source=name) from None
    except IsADirectoryError:
        raise InvalidMetricsError("is a directory, not a metrics file", source=name) from None
    except PermissionError:
        raise InvalidMetricsError("permission denied", source=name) from None
    except OSError as exc:
        raise InvalidMetricsError(f"cannot read: {exc.strerror or exc}", source=name) from None


def decode(data: bytes, source: str) -> str:
    """UTF-8 text (a BOM is dropped), or InvalidMetricsError naming the first bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidMetricsError(f"not UTF-8 text (byte {exc.start})", source=source) from None
