"""The load generator's record of the last value it pushed to each group (one JSON file per process)."""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

LEDGER_GLOB = "pushed-*.json"


@dataclass
class GroupRecord:
    """One simulated workflow's group and the last push the gateway acknowledged."""

    tenant: str
    workflow: str
    kind: str
    job: str
    grouping_key: dict[str, str]
    sequence: int = 0  # last acknowledged push; 0: none was
    # Pushes after the last acknowledged one that failed: the gateway may or may not have applied them.
    uncertain: list[int] = field(default_factory=list)
    pushes: int = 0
    failures: int = 0


class PushLedger:
    """Per-process ledger; each Locust process writes its own file so none has to share one."""

    def __init__(self, out_dir: Path):
        self.out_dir = Path(out_dir)
        self.groups: dict[tuple[str, str], GroupRecord] = {}

    @property
    def path(self) -> Path:
        # Read at save time: `locust --processes` forks after the locustfile (and this ledger) is loaded.
        return self.out_dir / f"pushed-{os.getpid()}.json"

    def open_group(self, tenant: str, workflow: str, kind: str, job: str, grouping_key: dict[str, str]) -> GroupRecord:
        record = GroupRecord(tenant=tenant, workflow=workflow, kind=kind, job=job, grouping_key=dict(grouping_key))
        self.groups[(tenant, workflow)] = record
        return record

    @staticmethod
    def attempting(record: GroupRecord, sequence: int) -> None:
        """Before the request: a push cut off by the end of the run may still land."""
        record.uncertain.append(sequence)
        record.pushes += 1

    @staticmethod
    def acknowledged(record: GroupRecord, sequence: int) -> None:
        record.sequence = sequence
        record.uncertain = []

    @staticmethod
    def failed(record: GroupRecord) -> None:
        record.failures += 1  # its sequence stays uncertain: the gateway may have applied it

    def records(self) -> list[dict]:
        """The groups as the ledger file holds them (what a worker in the cluster sends its master)."""
        return [asdict(g) for g in self.groups.values()]

    def save(self) -> Path:
        return write_ledger(self.path, self.records())


def write_ledger(path: Path, records: list[dict]) -> Path:
    """A ledger file (pushed-*.json) of these records; a reader never sees half of one."""
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(records, indent=1))
    tmp.replace(path)
    return path


def read_ledgers(out_dir: Path) -> list[GroupRecord]:
    """All groups every load process recorded, in a stable order."""
    records = [
        GroupRecord(**entry)
        for path in sorted(Path(out_dir).glob(LEDGER_GLOB))
        for entry in json.loads(path.read_text())
    ]
    return sorted(records, key=lambda r: (r.tenant, r.workflow))
