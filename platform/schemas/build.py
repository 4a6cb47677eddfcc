"""Regenerate the vendored CRD schemas in this folder (maintainers only; not run by CI).

Each schema is derived from its project's own published API definitions, at the version
the pinned chart deploys (sources.yaml records which, and tests/validate checks it
against platform/charts.yaml):

  - Workflow, WorkflowTemplate: Argo Workflows' api/jsonschema/schema.json at the tag
    that argo/argo-workflows' appVersion names. Get it with, e.g.,
        git -C argo-workflows show v4.0.6:api/jsonschema/schema.json > /tmp/argo-schema.json
    then:
        python platform/schemas/build.py argo v4.0.6 /tmp/argo-schema.json
  - ServiceMonitor, PrometheusRule (v1), AlertmanagerConfig (v1alpha1), Alertmanager (v1): the CRDs
    themselves, prometheus-operator's example/prometheus-operator-crd/monitoring.coreos.com_<plural>.yaml at
    the tag kube-prometheus-stack's operator runs (sources.yaml), e.g.
        git -C prometheus-operator show v0.93.1:example/prometheus-operator-crd/monitoring.coreos.com_alertmanagerconfigs.yaml > /tmp/amc.yaml
        python platform/schemas/build.py crd v0.93.1 /tmp/amc.yaml
  - argo-server-api.json: the Argo server's operations the tenant verbs call (harness/kind/argo_server.py:
    workflows and WorkflowTemplates),
    from Argo Workflows' api/openapi-spec/swagger.json at the same tag:
        git -C argo-workflows show v4.0.6:api/openapi-spec/swagger.json > /tmp/argo-swagger.json
        python platform/schemas/build.py argo-api v4.0.6 /tmp/argo-swagger.json
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml

# The same transform `make validate` applies to the CRDs the rendered charts install: docs pruned, `| null`
# alternatives dropped, unknown fields rejected (as kubectl's strict field validation does).
from harness.kind import crd_schemas  # the installed project (make install); this script is for maintainers

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "sources.yaml"
ARGO_PREFIX = "io.argoproj.workflow.v1alpha1."
# Go types with custom JSON (un)marshalling that schema.json describes as plain strings;
# the CRDs the API server enforces declare them int-or-string (x-kubernetes-int-or-string).
_INT_OR_STRING = {"anyOf": [{"type": "integer"}, {"type": "string"}]}
_ARGO_OVERRIDES = {
    "io.k8s.apimachinery.pkg.util.intstr.IntOrString": _INT_OR_STRING,
    "io.k8s.apimachinery.pkg.api.resource.Quantity": _INT_OR_STRING,
}


def _write(name: str, schema: dict) -> None:
    (HERE / f"{name}.json").write_text(json.dumps(schema, indent=1, sort_keys=True) + "\n")


def _record(entries: dict) -> None:
    sources = yaml.safe_load(SOURCES.read_text()) if SOURCES.exists() else {}
    sources.update(entries)
    header = "# Where each vendored schema comes from; written by build.py, read by tests/validate.\n"
    SOURCES.write_text(header + yaml.safe_dump(sources, sort_keys=True))


def _short_names(names: set[str]) -> dict[str, str]:
    """Last dotted segment where it is unique among the kept definitions, else the full name."""
    last = [n.rsplit(".", 1)[-1] for n in names]
    return {n: (n.rsplit(".", 1)[-1] if last.count(n.rsplit(".", 1)[-1]) == 1 else n) for n in names}


def _refs(node) -> list[str]:
    """Names of the definitions a schema node refers to."""
    if isinstance(node, list):
        return [name for item in node for name in _refs(item)]
    if not isinstance(node, dict):
        return []
    own = [node["$ref"][len("#/definitions/"):]] if str(node.get("$ref", "")).startswith("#/definitions/") else []
    return own + [name for value in node.values() for name in _refs(value)]


def argo_schema(definitions: dict, kind: str) -> dict:
    """The JSON Schema of one Argo kind: its definition plus every definition it reaches."""
    root = ARGO_PREFIX + kind
    reached, pending = set(), [root]
    while pending:
        name = pending.pop()
        if name in reached:
            continue
        reached.add(name)
        pending.extend(_refs(_ARGO_OVERRIDES.get(name, definitions[name])))
    reached.discard(root)
    reached.discard("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta")  # replaced by crd_schemas.finish
    short = _short_names(reached)

    def relink(node):
        if isinstance(node, list):
            return [relink(item) for item in node]
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/definitions/"):
                target = ref[len("#/definitions/"):]
                if target == "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta":
                    return {"type": "object"}
                return {**node, "$ref": f"#/$defs/{short[target]}"}
            return {k: relink(v) for k, v in node.items()}
        return node

    schema = relink(crd_schemas.strict(dict(definitions[root])))
    schema["$defs"] = {short[name]: relink(crd_schemas.strict(_ARGO_OVERRIDES.get(name, definitions[name])))
                       for name in sorted(reached)}
    return crd_schemas.finish(schema, "argoproj.io/v1alpha1", kind)


def build_argo(version: str, schema_json: Path) -> None:
    definitions = json.loads(schema_json.read_text())["definitions"]
    for name, kind in (("workflow", "Workflow"), ("workflowtemplate", "WorkflowTemplate")):
        _write(name, argo_schema(definitions, kind))
    source = {"project": "argoproj/argo-workflows", "version": version, "path": "api/jsonschema/schema.json"}
    _record({"workflow.json": {**source, "kind": "argoproj.io/v1alpha1 Workflow"},
             "workflowtemplate.json": {**source, "kind": "argoproj.io/v1alpha1 WorkflowTemplate"}})


# CRDs vendored from their own openAPIV3Schema, by kind: (schema file, the CRD's file in prometheus-operator).
_CRD_FILES = {
    "AlertmanagerConfig": ("alertmanagerconfig.json", "monitoring.coreos.com_alertmanagerconfigs.yaml"),
    "Alertmanager": ("alertmanager.json", "monitoring.coreos.com_alertmanagers.yaml"),
    "ServiceMonitor": ("servicemonitor.json", "monitoring.coreos.com_servicemonitors.yaml"),
    "PrometheusRule": ("prometheusrule.json", "monitoring.coreos.com_prometheusrules.yaml"),
}


def build_crd(version: str, crd_yaml: Path) -> None:
    """The schema of a CRD's served version, from the CRD manifest itself (prometheus-operator's), with the
    transform `make validate` applies to the CRDs the rendered charts install (harness/kind/crd_schemas.py)."""
    loader = type("CrdLoader", (yaml.SafeLoader,), {})
    # PyYAML reads a bare `=` (the matchType enum) as YAML 1.1's value tag; it is the string "=".
    loader.add_constructor("tag:yaml.org,2002:value", lambda load, node: load.construct_scalar(node))
    crd = yaml.load(crd_yaml.read_text(), Loader=loader)  # noqa: S506 - a SafeLoader subclass
    kind = crd["spec"]["names"]["kind"]
    [(api_version, _)] = crd_schemas.served_versions(crd)
    schema_file, crd_file = _CRD_FILES[kind]
    _write(schema_file[: -len(".json")], crd_schemas.from_crd(crd, api_version))
    _record({schema_file: {"project": "prometheus-operator/prometheus-operator", "version": version,
                           "path": f"example/prometheus-operator-crd/{crd_file}", "kind": f"{api_version} {kind}"}})


# The Argo server operations harness/kind/argo_server.py calls.
ARGO_API_OPERATIONS = ("WorkflowService_CreateWorkflow", "WorkflowService_ListWorkflows",
                       "WorkflowService_GetWorkflow", "WorkflowService_DeleteWorkflow", "WorkflowService_WorkflowLogs",
                       "WorkflowTemplateService_CreateWorkflowTemplate", "WorkflowTemplateService_ListWorkflowTemplates",
                       "WorkflowTemplateService_GetWorkflowTemplate", "WorkflowTemplateService_UpdateWorkflowTemplate")


def build_argo_api(version: str, swagger_json: Path) -> None:
    """Per operation: method, path, its parameters (name, where, type) and the request body's fields."""
    swagger = json.loads(swagger_json.read_text())
    operations = {}
    for path, methods in swagger["paths"].items():
        for method, operation in methods.items():
            if operation.get("operationId") not in ARGO_API_OPERATIONS:
                continue
            parameters, body = [], None
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "body":
                    ref = parameter["schema"]["$ref"].rsplit("/", 1)[-1]
                    body = {"definition": ref, "fields": sorted(swagger["definitions"][ref]["properties"])}
                else:
                    parameters.append({"name": parameter["name"], "in": parameter["in"],
                                       "type": parameter.get("type", "string")})
            operations[operation["operationId"]] = {"method": method.upper(), "path": path,
                                                     "parameters": parameters, "body": body}
    missing = sorted(set(ARGO_API_OPERATIONS) - set(operations))
    if missing:
        raise SystemExit(f"{swagger_json}: no operation {', '.join(missing)}")
    (HERE / "argo-server-api.json").write_text(json.dumps({"operations": operations}, indent=1, sort_keys=True) + "\n")
    _record({"argo-server-api.json": {"project": "argoproj/argo-workflows", "version": version,
                                      "path": "api/openapi-spec/swagger.json",
                                      "kind": "Argo server REST operations (WorkflowService, "
                                              "WorkflowTemplateService)"}})


def main(argv: list[str]) -> int:
    if argv[:1] == ["argo-api"] and len(argv) == 3:
        build_argo_api(argv[1], Path(argv[2]))
        return 0
    if argv[:1] == ["crd"] and len(argv) == 3:
        build_crd(argv[1], Path(argv[2]))
        return 0
    if argv[:1] == ["argo"] and len(argv) == 3:
        build_argo(argv[1], Path(argv[2]))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
