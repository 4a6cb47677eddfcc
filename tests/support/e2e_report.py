"""pytest plugin: a table of the PromQL values the e2e scenarios produced, and the tenant isolation
attack matrix (vector x backend: blocked / ALLOWED / not applicable on this backend), printed at the end,
and the run's report at <platform state>/e2e/index.html (tests/support/e2e_html.py).

    pytest tests/e2e -p tests.support.e2e_report

The e2e fixtures call `record(...)` for every PromQL expectation they checked, `record_attack(...)`
for every attack vector tried between an ordered pair of tenants and `record_run(...)` for every workflow
that finished; without the plugin the rows are collected and simply not printed, and no report is written.
Any "allowed" attack fails the run, whatever the tests said. The session's platform fixture calls
`write_report(platform)` while the platform is still up (alert deliveries, dashboards from its Prometheus).
"""
from __future__ import annotations

import json
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from harness import alert_receiver
from harness.workflows import WorkflowRun
from tests.support import e2e_html


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
_RUNS: list[tuple[str, str, WorkflowRun]] = []
_LOCK = threading.Lock()
_SESSION = {"active": False, "started": time.time(), "report": None}
REPORT_DIR = "e2e"  # below the platform's state folder: .state/<platform>/e2e/index.html
# The dashboards are drawn over the run, at least this long (their panels' rates need a few minutes).
MIN_DASHBOARD_RANGE_SECONDS = 600.0
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


def record_run(scenario: str, tenant: str, run: WorkflowRun) -> None:
    """A workflow that finished: its tree and step logs go into the report."""
    with _LOCK:
        _RUNS.append((scenario, tenant, run))


def runs() -> list[tuple[str, str, WorkflowRun]]:
    with _LOCK:
        return list(_RUNS)


def active() -> bool:
    """Whether the plugin was loaded (`-p tests.support.e2e_report`): only then is a report written."""
    return bool(_SESSION["active"])


def write_report(platform, folder: Path | None = None) -> Path:
    """index.html (and values.json, the dashboards' PNGs) in `folder`, default <platform state>/e2e/."""
    folder = Path(folder) if folder is not None else Path(platform.state_dir) / REPORT_DIR
    folder.mkdir(parents=True, exist_ok=True)
    deliveries: dict[str, list[dict] | str] = {}
    since = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(float(_SESSION["started"])))
    for receiver in alert_receiver.receiver_names([t.name for t in platform.tenants]):
        try:  # this run's: the receivers keep every notification the platform ever sent them
            deliveries[receiver] = [d for d in platform.alert_deliveries(receiver) if str(d.get("received")) >= since]
        except Exception as exc:  # noqa: BLE001 - a receiver that cannot be read is reported, not fatal
            deliveries[receiver] = f"not readable: {exc}"
    drawn, problems = _dashboards(platform, folder / "dashboards")
    tried = attacks()
    vectors = list(dict.fromkeys(r.vector for r in tried))
    matrix_rows = [[vector, *(matrix_cell([r for r in tried if r.vector == vector and r.backend == backend])
                              for backend in BACKENDS)] for vector in vectors]
    allowed = [f"ALLOWED on {r.backend}: {r.vector}, {r.attacker} -> {r.victim}: {r.detail}"
               for r in tried if r.outcome == ALLOWED]
    (folder / "index.html").write_text(e2e_html.page(
        platform=platform.name, started=_SESSION["started"], values=rows(), matrix=(["attack vector", *BACKENDS],
                                                                                     matrix_rows),
        allowed=allowed, deliveries=deliveries, runs=runs(), dashboards=drawn, dashboard_problems=problems),
        encoding="utf-8")
    (folder / "values.json").write_text(json.dumps({
        "platform": platform.name, "values": [asdict(r) for r in rows()], "matrix": matrix_rows,
        "runs": [{"scenario": s, "tenant": t, "name": r.name, "phase": str(r.phase)} for s, t, r in runs()],
        "deliveries": {k: (len(v) if isinstance(v, list) else v) for k, v in deliveries.items()},
        "dashboards": [str(path.relative_to(folder)) for _, path in drawn]}, indent=1) + "\n")
    _SESSION["report"] = folder / "index.html"
    return folder / "index.html"


def _dashboards(platform, folder: Path) -> tuple[list[tuple[str, Path]], list[str]]:
    """Every dashboard drawn from the platform's Prometheus over this run (dashboards/snapshot.py's drawing)."""
    from dashboards.snapshot import snapshot_all  # matplotlib: only when a report is written

    span = max(MIN_DASHBOARD_RANGE_SECONDS, time.time() - float(_SESSION["started"]) + 60)
    try:
        snapshots = snapshot_all(platform.prometheus(), folder, range_seconds=span)
    except Exception as exc:  # noqa: BLE001 - the rest of the report still helps
        return [], [f"the dashboards could not be drawn: {exc}"]
    problems = [f"{s.path.stem}: no data in {', '.join(s.empty_panels)}" for s in snapshots if s.empty_panels]
    return [(s.path.stem, s.path) for s in snapshots], problems


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


def pytest_configure(config) -> None:
    _SESSION.update(active=True, started=time.time())


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
    else:
        for line in render_matrix(tried):
            terminalreporter.write_line(line)
        allowed = [r for r in tried if r.outcome == ALLOWED]
        for row in allowed:
            terminalreporter.write_line(f"ALLOWED on {row.backend}: {row.vector}, {row.attacker} -> {row.victim}: "
                                        f"{row.detail}")
        terminalreporter.write_line(f"{len(tried)} attempts, {len(allowed)} allowed"
                                    + (": the run fails" if allowed else ""))
    if _SESSION["report"] is not None:
        terminalreporter.section("simplepipe e2e: report")
        terminalreporter.write_line(f"{_SESSION['report']} (open it in a browser; values.json beside it)")
