"""The local backend's WorkflowTemplates: what the Kubernetes API holds of them on kind, per namespace.

  <state>/workflowtemplates/<namespace>/<name>.json   the manifest as applied (metadata.namespace set), when it
                                                      was created and when it was last applied

`LocalPlatform.apply_workflow_template` writes one once the runner has checked it; a workflow runs in a process of
its own (harness.local.workflow_process), which loads its namespace's templates into its runner before it starts
the workflow, so the templateRefs of a workflow name what was applied before it was submitted. A namespace's
templates are read from its own folder only: another tenant's are never visible.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

from harness.errors import ManifestRefusedError, PlatformError
from harness.local.workflow_records import NAME, write_atomically


class WorkflowTemplateRecords:
    """Every applied WorkflowTemplate under <state>/workflowtemplates/, by namespace."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def file(self, namespace: str, name: str) -> Path:
        if not isinstance(name, str) or not NAME.match(name):  # also what keeps a name one file of the folder
            raise ManifestRefusedError(f"metadata.name: {repr(name)[:80]} is not a Kubernetes object name "
                                       "(lower-case letters, digits, '-' and '.', at most 253 characters)")
        return self.root / namespace / f"{name}.json"

    def apply(self, namespace: str, manifest: dict) -> bool:
        """Store the manifest under its metadata.name, replacing one of that name (keeping when it was created,
        as Kubernetes keeps creationTimestamp); True when it was created."""
        path = self.file(namespace, manifest["metadata"]["name"])
        now = time.time()
        try:
            created_at = json.loads(path.read_text())["created_at"]
        except (OSError, ValueError, KeyError, TypeError):
            created_at = None
        write_atomically(path, json.dumps({"manifest": manifest, "created_at": created_at or now, "applied_at": now},
                                          indent=1) + "\n")
        return created_at is None

    def manifests(self, namespace: str) -> dict[str, dict]:
        """The namespace's WorkflowTemplates by name, in name order; PlatformError naming an unreadable record."""
        folder = self.root / namespace
        if not folder.is_dir():
            return {}
        found = {}
        for path in sorted(folder.glob("*.json")):
            try:
                found[path.stem] = json.loads(path.read_text())["manifest"]
            except (OSError, ValueError, KeyError, TypeError) as exc:
                raise PlatformError(f"unreadable WorkflowTemplate record {path}: {exc}") from None
        return found

    def names(self, namespace: str) -> list[str]:
        folder = self.root / namespace
        return sorted(path.stem for path in folder.glob("*.json")) if folder.is_dir() else []
