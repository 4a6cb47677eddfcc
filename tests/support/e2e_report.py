"""pytest plugin: a table of the PromQL values the e2e scenarios produced, and the tenant isolation
attack matrix (vector x backend: blocked / ALLOWED / not applicable on this backend), printed at the end.

    pytest tests/e2e -p tests.support.e2e_report

The e2e fixtures call `record(...)` for every PromQL expectation they checked and `record_attack(...)`
for every attack vector tried between an ordered pair of tenants; without the plugin the rows are
collected and simply not printed. Any "allowed" attack fails the run, whatever the tests said.
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


BLOCKED, ALLOWED, NOT_APPLICABLE = "blocked", "ALLOWED", "not applicable on this backend"
BACKENDS = ("local", "kind")


@dataclass(frozen=True)
class AttackRow:
    """One attack vector tried by `attacker` against `victim` on one backend, and what happened."""

    vector: str
    backend: str
    attacker: str
    victim: str
    outcome: str  # BLOCKED | ALLOWED | NOT_APPLICABLE
    detail: str = ""


_ROWS: list[ReportRow] = []
_ATTACKS: list[AttackRow] = []
_LOCK = threading.Lock()
COLUMNS = ("scenario", "tenant", "query", "value", "expected", "ok")


def record(scenario: str, tenant: str, query: str, value: str, expected: str, ok: bool) -> None:
    with _LOCK:
        _ROWS.append(ReportRow(scenario, tenant, query, value, expected, ok))


def rows() -> list[ReportRow]:
    with _LOCK:
        return list(_ROWS)


def record_attack(vector: str, backend: str, attacker: str, victim: str, outcome: str, detail: str = "") -> None:
    with _LOCK:
        _ATTACKS.append(AttackRow(vector, backend, attacker, victim, outcome, detail))


def attacks() -> list[AttackRow]:
    with _LOCK:
        return list(_ATTACKS)


def _table(header: tuple[str, ...], body: list[tuple[str, ...]]) -> list[str]:
    cells = [header] + body
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in cells]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return lines


def render(table_rows: list[ReportRow]) -> list[str]:
    return _table(COLUMNS, [(r.scenario, r.tenant, r.query, r.value, r.expected, "ok" if r.ok else "FAIL")
                            for r in table_rows])


def matrix_cell(rows: list[AttackRow]) -> str:
    """One vector on one backend: ALLOWED if any ordered pair got through, blocked if every tried pair was."""
    if not rows:
        return "not run"
    allowed = [r for r in rows if r.outcome == ALLOWED]
    if allowed:
        return f"{ALLOWED} ({', '.join(f'{r.attacker}->{r.victim}' for r in allowed)})"
    if all(r.outcome == NOT_APPLICABLE for r in rows):
        return NOT_APPLICABLE
    pairs = sorted({(r.attacker, r.victim) for r in rows if r.outcome == BLOCKED})
    return f"{BLOCKED} ({len(pairs)} pair{'s' if len(pairs) != 1 else ''})"


def render_matrix(rows: list[AttackRow]) -> list[str]:
    vectors = list(dict.fromkeys(r.vector for r in rows))
    body = [(vector, *(matrix_cell([r for r in rows if r.vector == vector and r.backend == backend])
                       for backend in BACKENDS)) for vector in vectors]
    return _table(("attack vector", *BACKENDS), body)


def pytest_sessionfinish(session, exitstatus) -> None:
    if any(r.outcome == ALLOWED for r in attacks()) and session.exitstatus == 0:
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    collected = rows()
    terminalreporter.section("simplepipe e2e: PromQL values")
    if not collected:
        terminalreporter.write_line("no PromQL values were recorded (no scenario ran)")
    else:
        for line in render(collected):
            terminalreporter.write_line(line)
        failed = sum(not r.ok for r in collected)
        terminalreporter.write_line(f"{len(collected)} values, {failed} not as expected")
    tried = attacks()
    terminalreporter.section("simplepipe e2e: tenant isolation attack matrix")
    if not tried:
        terminalreporter.write_line("no attack vector was tried (tests/e2e/test_tenant_isolation.py did not run)")
        return
    for line in render_matrix(tried):
        terminalreporter.write_line(line)
    allowed = [r for r in tried if r.outcome == ALLOWED]
    for row in allowed:
        terminalreporter.write_line(f"ALLOWED on {row.backend}: {row.vector}, {row.attacker} -> {row.victim}: "
                                    f"{row.detail}")
    terminalreporter.write_line(f"{len(tried)} attempts, {len(allowed)} allowed"
                                + (": the run fails" if allowed else ""))
