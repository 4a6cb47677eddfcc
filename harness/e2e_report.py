"""pytest plugin: a table of the PromQL values the e2e scenarios produced, printed at the end.

    pytest tests/e2e -p harness.e2e_report

The e2e fixtures call `record(...)` for every PromQL expectation they checked; without the
plugin the rows are collected and simply not printed.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass(frozen=True)
class ReportRow:
    scenario: str
    tenant: str
    query: str
    value: str
    expected: str
    ok: bool


_ROWS: list[ReportRow] = []
_LOCK = threading.Lock()
COLUMNS = ("scenario", "tenant", "query", "value", "expected", "ok")


def record(scenario: str, tenant: str, query: str, value: str, expected: str, ok: bool) -> None:
    with _LOCK:
        _ROWS.append(ReportRow(scenario, tenant, query, value, expected, ok))


def rows() -> list[ReportRow]:
    with _LOCK:
        return list(_ROWS)


def render(table_rows: list[ReportRow]) -> list[str]:
    cells = [COLUMNS] + [(r.scenario, r.tenant, r.query, r.value, r.expected, "ok" if r.ok else "FAIL")
                         for r in table_rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(COLUMNS))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in cells]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return lines


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    collected = rows()
    terminalreporter.section("simplepipe e2e: PromQL values")
    if not collected:
        terminalreporter.write_line("no PromQL values were recorded (no scenario ran)")
        return
    for line in render(collected):
        terminalreporter.write_line(line)
    failed = sum(not r.ok for r in collected)
    terminalreporter.write_line(f"{len(collected)} values, {failed} not as expected")
