"""Workflow identity: which Argo workflow and template pushed a series, read from what Argo
puts in the environment of a step's main container."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Mapping

DISABLE = "SIMPLEPIPE_WORKFLOW_IDENTITY"
# A step's node id is `<workflow name>-<fnv32a hash of the node name, decimal>`.
NODE_ID = re.compile(r"^(?P<workflow>.+)-\d+$")


@dataclass(frozen=True)
class WorkflowIdentity:
    workflow: str
    template: str | None = None

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> "WorkflowIdentity | None":
        """None outside Argo, or when SIMPLEPIPE_WORKFLOW_IDENTITY=off."""
        if environ.get(DISABLE, "").strip().lower() in ("off", "false", "0", "no", "disabled"):
            return None
        workflow = environ.get("ARGO_WORKFLOW_NAME", "").strip()
        node = environ.get("ARGO_NODE_ID", "").strip()
        if not workflow and node and node == environ.get("HOSTNAME", "").strip():
            # The root node (entrypoint is a container/script): node id and pod name are the workflow's name.
            workflow = node
        if not workflow:
            match = NODE_ID.match(node)
            workflow = match.group("workflow") if match else ""
        if not workflow:
            return None
        return cls(workflow, _template_name(environ, workflow))

    def labels(self) -> dict[str, str]:
        labels = {"argo_workflow": self.workflow}
        if self.template:
            labels["argo_template"] = self.template
        return labels


def _template_name(environ: Mapping[str, str], workflow: str) -> str | None:
    raw = environ.get("ARGO_TEMPLATE", "")
    if raw:
        try:
            name = json.loads(raw).get("name")
        except (ValueError, AttributeError):
            name = None
        if isinstance(name, str) and name:
            return name
    # Recent Argo versions keep ARGO_TEMPLATE off the main container; the pod name (the
    # hostname) is `<workflow>-<template>-<hash>` with the default POD_NAMES=v2.
    pod = environ.get("HOSTNAME", "")
    prefix = f"{workflow}-"
    if pod.startswith(prefix):
        match = re.match(r"^(?P<template>.+)-\d+$", pod[len(prefix):])
        if match:
            return match.group("template")
    return None
