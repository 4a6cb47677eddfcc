"""Offline schema validation of the Kubernetes objects we own.

Built-in kinds are checked with kubernetes-validate (strict: unknown fields are
errors, as with kubectl's default field validation); the custom resources we use
(Argo Workflow/WorkflowTemplate, ServiceMonitor, PrometheusRule, AlertmanagerConfig, Alertmanager) against the schemas
vendored in platform/schemas/ (see its README for their source and version).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import jsonschema
import kubernetes_validate
import yaml
from jsonschema.exceptions import best_match

from harness.kind import pins
from harness.kind.constants import SCHEMAS_DIR
from harness.paths import REPO_ROOT

# The built-in schemas to use: the minor version of platform/kind.yaml's pinned node image.
KUBERNETES_VERSION = pins.kubernetes_version()
CUSTOM_RESOURCES = {
    ("argoproj.io/v1alpha1", "Workflow"): "workflow.json",
    ("argoproj.io/v1alpha1", "WorkflowTemplate"): "workflowtemplate.json",
    ("monitoring.coreos.com/v1", "ServiceMonitor"): "servicemonitor.json",
    ("monitoring.coreos.com/v1", "PrometheusRule"): "prometheusrule.json",
    ("monitoring.coreos.com/v1alpha1", "AlertmanagerConfig"): "alertmanagerconfig.json",
    ("monitoring.coreos.com/v1", "Alertmanager"): "alertmanager.json",
}


@dataclass(frozen=True)
class ManifestProblem:
    """One schema violation, naming the file, the object and the field."""

    source: str
    kind: str
    name: str
    field: str
    message: str

    def __str__(self) -> str:
        where = self.field or "(object)"
        return f"{self.source}: {self.kind}/{self.name}: {where}: {self.message}"


@lru_cache(maxsize=None)
def _custom_validator(schema_file: str) -> jsonschema.protocols.Validator:
    schema = json.loads((SCHEMAS_DIR / schema_file).read_text())
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    return cls(schema)


def _deepest(error: jsonschema.ValidationError) -> jsonschema.ValidationError:
    # anyOf/oneOf failures wrap the real cause; report the most specific one.
    while error.context:
        error = best_match(error.context)
    return error


def _field(error: jsonschema.ValidationError) -> str:
    return ".".join(str(part) for part in error.absolute_path)


def _identity(obj: dict) -> tuple[str, str]:
    metadata = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    name = metadata.get("name") or metadata.get("generateName") or "<unnamed>"
    return str(obj.get("kind", "<no kind>")), str(name)


def validate_object(obj: dict, source: str) -> list[ManifestProblem]:
    """All schema violations of one object (empty when it is valid)."""
    if not isinstance(obj, dict):
        return [ManifestProblem(source, "<not a mapping>", "<unnamed>", "", "not a Kubernetes object")]
    kind, name = _identity(obj)
    if "apiVersion" not in obj or "kind" not in obj:
        return [ManifestProblem(source, kind, name, "", "not a Kubernetes object (apiVersion and kind required)")]
    schema_file = CUSTOM_RESOURCES.get((obj["apiVersion"], obj["kind"]))
    if schema_file is not None:
        errors = sorted(_custom_validator(schema_file).iter_errors(obj), key=lambda e: list(e.absolute_path))
        return [ManifestProblem(source, kind, name, _field(leaf), leaf.message) for leaf in map(_deepest, errors)]
    try:
        kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.SchemaNotFoundError:
        return [ManifestProblem(source, kind, name, "apiVersion",
                                f"no schema for {obj['apiVersion']} {obj['kind']} (not built in, not vendored)")]
    except kubernetes_validate.ValidationError as exc:
        leaf = _deepest(exc)
        return [ManifestProblem(source, kind, name, _field(leaf), leaf.message)]
    return []


def load_documents(text: str) -> list[dict]:
    """The non-empty YAML documents of a manifest stream."""
    return [doc for doc in yaml.safe_load_all(text) if doc is not None]


def validate_text(text: str, source: str) -> list[ManifestProblem]:
    problems: list[ManifestProblem] = []
    for obj in load_documents(text):
        problems.extend(validate_object(obj, source))
    return problems


def validate_file(path: Path) -> list[ManifestProblem]:
    try:
        source = str(path.relative_to(REPO_ROOT))
    except ValueError:
        source = str(path)
    return validate_text(path.read_text(), source)
