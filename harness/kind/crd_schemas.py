"""JSON Schemas of custom resources, taken from the CRDs that the rendered charts themselves install.

`from_crd` turns a CRD's served version into the strict schema `make validate` checks objects with: unknown
fields rejected (as kubectl's default strict field validation rejects them; a CRD's
x-kubernetes-preserve-unknown-fields parts keep accepting anything), documentation dropped, `metadata` any
object (the API server owns it), `status` removed. platform/schemas/build.py writes the committed copies
(used where the chart cache is absent) with the same function, so a committed schema that drifted from
the chart's CRD differs from `from_crd` of it.
"""
from __future__ import annotations

import jsonschema

# Documentation-only keywords: dropped so the committed files stay small and diffable.
DROPPED = {"description", "title", "default", "examples", "x-kubernetes-group-version-kind"}
PRESERVE_UNKNOWN = "x-kubernetes-preserve-unknown-fields"


def strict(node):
    """Prune docs, drop `| null` alternatives and reject unknown fields where the CRD does not keep them."""
    if isinstance(node, list):
        return [strict(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {k: strict(v) for k, v in node.items() if k not in DROPPED}
    for combinator in ("anyOf", "oneOf"):
        options = node.get(combinator)
        if options is not None:
            options = [o for o in options if o != {"type": "null"}]
            if len(options) == 1:
                node.pop(combinator)
                node.update(options[0])
            else:
                node[combinator] = options
    if "properties" in node and "additionalProperties" not in node and not node.get(PRESERVE_UNKNOWN):
        node["additionalProperties"] = False
    if isinstance(node.get("required"), list):
        node["required"] = sorted(node["required"])
    return node


def finish(schema: dict, api_version: str, kind: str) -> dict:
    schema["properties"]["apiVersion"] = {"const": api_version}
    schema["properties"]["kind"] = {"const": kind}
    schema["required"] = sorted(set(schema.get("required", [])) | {"apiVersion", "kind"})
    # The API server owns metadata beyond what users write; kubernetes-validate checks ObjectMeta of built-ins.
    schema["properties"]["metadata"] = {"type": "object"}
    schema["properties"].pop("status", None)
    return schema


def served_versions(crd: dict) -> list[tuple[str, dict]]:
    """(apiVersion, openAPIV3Schema) of every served version of the CRD."""
    spec = crd.get("spec") or {}
    return [(f"{spec['group']}/{v['name']}", (v.get("schema") or {}).get("openAPIV3Schema") or {})
            for v in spec.get("versions") or [] if v.get("served", True)]


def from_crd(crd: dict, api_version: str) -> dict:
    """The strict JSON Schema of one served version of the CRD."""
    kind = crd["spec"]["names"]["kind"]
    [schema] = [s for version, s in served_versions(crd) if version == api_version]
    result = strict(schema)
    result["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    result.setdefault("properties", {})
    return finish(result, api_version, kind)


def validators(crds: list[dict]) -> dict[tuple[str, str], jsonschema.protocols.Validator]:
    """(apiVersion, kind) -> validator, for every served version of these CRDs."""
    found = {}
    for crd in crds:
        for api_version, _ in served_versions(crd):
            schema = from_crd(crd, api_version)
            found[(api_version, crd["spec"]["names"]["kind"])] = jsonschema.Draft202012Validator(schema)
    return found
