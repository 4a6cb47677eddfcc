"""Names Argo gives to nodes and pods, and the ARGO_* variables it sets on a step's main container."""
from __future__ import annotations

import json
import secrets
from datetime import datetime, timezone

# Kubernetes' generateName alphabet (no vowels, no look-alikes), 5 characters like `hello-x7k2p`.
_SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
_MAX_POD_PREFIX = 253 - 10 - 1  # Argo truncates <workflow>-<template> to leave room for -<hash>


def fnv32a(text: str) -> int:
    value = 0x811C9DC5
    for byte in text.encode():
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return value


def generated_name(prefix: str) -> str:
    return prefix + "".join(secrets.choice(_SUFFIX_ALPHABET) for _ in range(5))


def node_id(workflow_name: str, node_name: str) -> str:
    """Argo's `wf.NodeID(nodeName)`: the workflow's name for its root node, else `<workflow>-<fnv32a>`."""
    if node_name == workflow_name:
        return workflow_name
    return f"{workflow_name}-{fnv32a(node_name)}"


def pod_name(workflow_name: str, node_name: str, template_name: str) -> str:
    """Argo's pod name (POD_NAMES=v2, the default): `<workflow>-<template>-<fnv32a(node name)>`;
    the root node's pod (a workflow whose entrypoint is a container or script) is named like the workflow."""
    if node_name == workflow_name:
        return workflow_name
    prefix = f"{workflow_name}-{template_name}"[:_MAX_POD_PREFIX]
    return f"{prefix}-{fnv32a(node_name)}"


def argo_env(*, workflow_name: str, node_name: str, pod: str, template: dict, deadline: datetime | None,
             progress_file: str, include_script_output: bool) -> dict[str, str]:
    """ARGO_* variables as Argo's controller sets them on the main container (workflow/controller/workflowpod.go);
    ARGO_DEADLINE is Go's zero time when the workflow has no deadline."""
    return {
        "ARGO_POD_NAME": pod,
        "ARGO_CONTAINER_NAME": "main",
        "ARGO_TEMPLATE": json.dumps(template, separators=(",", ":")),
        "ARGO_NODE_ID": node_id(workflow_name, node_name),
        "ARGO_INCLUDE_SCRIPT_OUTPUT": "true" if include_script_output else "false",
        "ARGO_DEADLINE": (deadline or datetime(1, 1, 1, tzinfo=timezone.utc)).astimezone(timezone.utc)
        .replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "ARGO_PROGRESS_FILE": progress_file,
    }
