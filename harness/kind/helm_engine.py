"""Helm's own template engine, offline: helm-python-sdk (Helm v4's Go SDK behind ctypes), no helm binary.

Two things `helm template` does that the SDK's public Python API does not expose are taken from its native
call, which accepts them (`kube_version`, `api_versions`): the Kubernetes version of the pinned node image and
the API versions a cluster would announce (built-in kinds and the CRDs installed before the release), so
templates that branch on `.Capabilities` render as they would on the cluster. tests/validate shows both
taking effect; a helm-python-sdk that stopped honouring them fails there.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import helm_python
from helm_python import chart as helm_chart

RenderError = helm_python.HelmError


def render(chart_dir: Path, values: dict[str, Any], *, name: str, namespace: str, kube_version: str,
           api_versions: list[str]) -> dict[str, str]:
    """Template path -> rendered text, as `helm template --kube-version --api-versions` (install, revision 1)."""
    chart = helm_python.Chart.load(chart_dir)
    try:
        options = {"name": name, "namespace": namespace, "is_install": True, "revision": 1,
                   "kube_version": kube_version, "api_versions": sorted(set(api_versions))}
        # The SDK's Chart.render passes only name/namespace/revision/install flags; its native call takes all.
        rendered = helm_chart._native.call_string("helm_render", chart._raw(), json.dumps(values),
                                                  json.dumps(options))
        return json.loads(rendered)
    finally:
        chart.close()


def crds(chart_dir: Path) -> list[tuple[str, str]]:
    """(file, text) of every CRD in the chart's and its subcharts' crds/ folders (installed before templates)."""
    chart = helm_python.Chart.load(chart_dir)
    try:
        return [(entry["filename"], entry["data"]) for entry in chart.crds]
    finally:
        chart.close()


def merged_values(chart_dir: Path, values: dict[str, Any]) -> dict[str, Any]:
    """The chart's defaults coalesced with `values`, as the templates see `.Values`."""
    chart = helm_python.Chart.load(chart_dir)
    try:
        return chart.merge_values(values)
    finally:
        chart.close()


def lint(chart_dir: Path, kube_version: str) -> list[str]:
    """`helm lint --strict` findings of warning or error severity, one line each."""
    report = helm_python.lint(chart_dir, strict=True, kube_version=kube_version)
    lines = [f"{chart_dir}: {m['path']}: {m['error']}" for m in report.get("messages", []) if m["severity"] >= 2]
    return lines + [f"{chart_dir}: {error}" for error in report.get("errors", [])]


def parse_set(expression: str) -> dict[str, Any]:
    """One `--set name=value` (helmfile's `set:` entries), as Helm parses it."""
    return helm_python.parse_set_string(expression)
