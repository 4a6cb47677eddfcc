"""Regenerate the vendored CRD schemas in this folder (maintainers only; not run by CI).

The schemas are derived from the upstream API definitions through typed models that
were generated from them, because the full CRD files are too large to vendor as-is:

  - Workflow, WorkflowTemplate: hera 7.1.0 models, generated from Argo Workflows'
    published OpenAPI spec (api/openapi-spec/swagger.json at v4.0.5).
  - ServiceMonitor, PrometheusRule: cloudcoil-models-prometheus-operator 0.79.2.1,
    generated from prometheus-operator v0.79.2's CRDs (the operator kube-prometheus-stack
    67.8.0 installs).

Usage (the generators are not project dependencies, so install them aside):
    pip install --target /tmp/schema-gen --no-deps hera==7.1.0 "cloudcoil==0.4.*" \
        cloudcoil-models-prometheus-operator==0.79.2.1
    PYTHONPATH=/tmp/schema-gen python platform/schemas/build.py
"""
from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
# Documentation-only keywords: dropped so the vendored files stay small and diffable.
_DROPPED = {"description", "title", "default", "examples"}


def _strict(node):
    """Prune docs, drop pydantic's `| null` alternatives and reject unknown fields.

    Unknown fields are rejected because kubectl's default (strict) field validation
    rejects them too; a typo like `contaner:` must fail here, not be pruned silently.
    """
    if isinstance(node, list):
        return [_strict(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {k: _strict(v) for k, v in node.items() if k not in _DROPPED}
    for combinator in ("anyOf", "oneOf"):
        options = node.get(combinator)
        if options is not None:
            options = [o for o in options if o != {"type": "null"}]
            if len(options) == 1:
                node.pop(combinator)
                node.update(options[0])
            else:
                node[combinator] = options
    if "properties" in node and "additionalProperties" not in node:
        node["additionalProperties"] = False
    return node


def _write(name: str, model, api_version: str, kind: str) -> None:
    schema = _strict(model.model_json_schema(by_alias=True, mode="validation"))
    schema["properties"]["apiVersion"] = {"const": api_version}
    schema["properties"]["kind"] = {"const": kind}
    schema["required"] = sorted(set(schema.get("required", [])) | {"apiVersion", "kind"})
    # The API server owns metadata beyond what users write; keep it permissive here,
    # kubernetes-validate checks ObjectMeta for the built-in kinds.
    schema["properties"]["metadata"] = {"type": "object"}
    schema["properties"].pop("status", None)
    (HERE / f"{name}.json").write_text(json.dumps(schema, indent=1, sort_keys=True) + "\n")


def main() -> None:
    from cloudcoil.models.prometheus_operator import v1 as monitoring
    from hera.workflows.models.io.argoproj.workflow import v1alpha1 as argo

    _write("workflow", argo.Workflow, "argoproj.io/v1alpha1", "Workflow")
    _write("workflowtemplate", argo.WorkflowTemplate, "argoproj.io/v1alpha1", "WorkflowTemplate")
    _write("servicemonitor", monitoring.ServiceMonitor, "monitoring.coreos.com/v1", "ServiceMonitor")
    _write("prometheusrule", monitoring.PrometheusRule, "monitoring.coreos.com/v1", "PrometheusRule")


if __name__ == "__main__":
    main()
