"""The e2e run's report as one HTML page people can open without a server: the PromQL values, the attack matrix,
the alert deliveries per receiver, each workflow's tree with its step logs, and the dashboards drawn from this
run's data (PNG, embedded). Everything shown is escaped: a step's log is text, never markup."""
from __future__ import annotations

import base64
import html
import time
from pathlib import Path

from harness.workflow_view import get_lines

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #1f2328; }
h1 { font-size: 1.6em; } h2 { margin-top: 2em; border-bottom: 1px solid #d0d7de; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
th, td { border: 1px solid #d0d7de; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
th { background: #f6f8fa; } td.fail, td.ALLOWED { background: #ffebe9; font-weight: bold; }
td.ok, td.blocked { background: #dafbe1; }
pre { background: #f6f8fa; padding: 0.8em; overflow-x: auto; font-size: 0.85em; }
img { max-width: 100%; border: 1px solid #d0d7de; }
.muted { color: #59636e; }
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def table(header: list[str], rows: list[list[str]], classes: list[list[str]] | None = None, table_id: str = "") -> str:
    head = "".join(f"<th>{_e(cell)}</th>" for cell in header)
    body = []
    for index, row in enumerate(rows):
        row_classes = classes[index] if classes else [""] * len(row)
        body.append("<tr>" + "".join(f'<td class="{_e(c)}">{_e(cell)}</td>' if c else f"<td>{_e(cell)}</td>"
                                     for cell, c in zip(row, row_classes)) + "</tr>")
    return f'<table id="{_e(table_id)}"><tr>{head}</tr>{"".join(body)}</table>'


def image(path: Path, alt: str) -> str:
    data = base64.b64encode(Path(path).read_bytes()).decode()
    return f'<img alt="{_e(alt)}" src="data:image/png;base64,{data}">'


def page(*, platform: str, started: float, values: list, matrix: tuple[list[str], list[list[str]]],
         allowed: list[str], deliveries: dict[str, list[dict] | str], runs: list, dashboards: list[tuple[str, Path]],
         dashboard_problems: list[str]) -> str:
    """The whole page. `values`: e2e_report.ReportRow; `runs`: (scenario, tenant, WorkflowRun) in the order run."""
    parts = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Simplepipe e2e report ({_e(platform)})"
             f"</title><style>{STYLE}</style></head><body>",
             f"<h1>Simplepipe e2e report: {_e(platform)} platform</h1>",
             f"<p class='muted'>run started {_e(time.strftime('%Y-%m-%d %H:%M:%S %z', time.localtime(started)))}, "
             f"report written {_e(time.strftime('%Y-%m-%d %H:%M:%S %z'))}</p>",
             "<h2>PromQL values</h2>"]
    failed = sum(not r.ok for r in values)
    parts.append(f"<p>{len(values)} values, {failed} not as expected.</p>")
    parts.append(table(["scenario", "tenant", "query", "value", "expected", "ok"],
                       [[r.scenario, r.tenant, r.query, r.value, r.expected, "ok" if r.ok else "FAIL"] for r in values],
                       [["", "", "", "", "", "ok" if r.ok else "fail"] for r in values], "values"))
    header, rows = matrix
    parts.append("<h2>Tenant isolation attack matrix</h2>")
    if rows:
        parts.append(table(header, rows, [[""] + [cell.split(" ")[0] for cell in row[1:]] for row in rows], "attacks"))
    else:
        parts.append("<p>No attack vector was tried (tests/e2e/test_tenant_isolation.py did not run).</p>")
    parts += [f"<p class='fail'>{_e(line)}</p>" for line in allowed]
    parts.append("<h2>Alert deliveries per receiver (during this run)</h2>")
    for receiver, got in deliveries.items():
        if isinstance(got, str):
            parts.append(f"<h3>{_e(receiver)}</h3><p class='muted'>{_e(got)}</p>")
            continue
        alerts = [[str(d.get("received", "")), str(d.get("status", "")), a.get("labels", {}).get("alertname", ""),
                   a.get("labels", {}).get("tenant", ""), a.get("labels", {}).get("job", ""),
                   a.get("labels", {}).get("argo_workflow", "")] for d in got for a in d.get("alerts", [])]
        parts.append(f"<h3>{_e(receiver)}: {len(got)} notification(s)</h3>")
        parts.append(table(["received", "status", "alertname", "tenant", "job", "argo_workflow"], alerts,
                           table_id=f"alerts-{receiver}") if alerts else "<p class='muted'>none</p>")
    parts.append("<h2>Workflows</h2>")
    for scenario, tenant, run in runs:
        parts.append(f"<h3>{_e(scenario)} ({_e(tenant)}): {_e(run.name)} {_e(run.phase)}</h3>")
        parts.append(f"<pre>{_e(chr(10).join(get_lines(run, now=run.finished_at or time.time())))}</pre>")
        for step in run.steps:
            parts.append(f"<details><summary>{_e(step.name)} ({_e(step.template)}): {_e(step.phase)}, exit code "
                         f"{_e(step.exit_code)}</summary><pre>{_e(step.log.rstrip() or '(no output)')}</pre></details>")
    parts.append("<h2>Dashboards (this run's data)</h2>")
    parts += [f"<p class='muted'>{_e(problem)}</p>" for problem in dashboard_problems]
    for title, path in dashboards:
        parts.append(f"<h3>{_e(title)}</h3>{image(path, title)}")
    parts.append("</body></html>")
    return "\n".join(parts)
