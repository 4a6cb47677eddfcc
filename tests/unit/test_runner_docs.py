"""docs/runner.md's tables of supported and refused fields are the runner's own lists (harness/runner/spec.py
FIELDS and HINTS): a field added to or dropped from either shows here."""
import re

from harness.paths import REPO_ROOT
from harness.runner.spec import FIELDS, HINTS

DOC = REPO_ROOT / "docs" / "runner.md"


def _cells(text: str, heading: str) -> list[list[str]]:
    """The rows of the first table under `## heading`, as cells."""
    section = text.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")][2:]  # header and rule
    return [[cell.strip() for cell in re.split(r"(?<!\\)\|", row)[1:-1]] for row in rows]


def _names(cell: str) -> set[str]:
    return set(re.findall(r"`([^`]+)`", cell))


def mismatches(text: str) -> list[str]:
    found = []
    documented = {row[0]: (_names(row[1]), _names(row[2])) for row in _cells(text, "Supported fields")}
    for kind, fields in FIELDS.items():
        if kind not in documented:
            found.append(f"{kind}: not in the table")
        elif documented[kind] != (fields["run"], fields["no-op"]):
            found.append(f"{kind}: the table says {documented[kind]}, the runner {fields['run']}, {fields['no-op']}")
    found += [f"{kind}: in the table, not in the runner" for kind in documented.keys() - FIELDS.keys()]
    refused = {next(iter(_names(row[0]))): row[1] for row in _cells(text, "What is refused")}
    if refused != HINTS:
        found.append(f"refused fields: the table has {sorted(refused.items() - HINTS.items())}, the runner "
                     f"{sorted(HINTS.items() - refused.items())}")
    return found


def test_the_tables_are_the_runners_own_lists():
    assert mismatches(DOC.read_text()) == []


def test_a_field_missing_from_the_docs_is_found():
    text = DOC.read_text()
    assert any(m.startswith("RetryStrategy:") for m in mismatches(text.replace("`backoff`, `expression`, ", "")))
    assert any(m.startswith("refused fields") for m in mismatches(text.replace("| `daemon` | daemon steps |\n", "")))
