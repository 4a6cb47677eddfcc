"""The report of the e2e run that just ended (`make e2e` runs this after it), opened in headless Chromium: it
renders, every image loads, and its tables hold the values, the attack matrix and the workflows the run
recorded (values.json, written beside it from the same records)."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.support.chromium import chromium_binary, render_page

REPORT = os.environ.get("SIMPLEPIPE_E2E_REPORT", "")

pytestmark = [pytest.mark.skipif(not REPORT, reason="checks the report an e2e run wrote: `make e2e` runs it after "
                                                    "the run (SIMPLEPIPE_E2E_REPORT=<report folder>)"),
              pytest.mark.skipif(chromium_binary() is None, reason="no headless Chromium (make install installs "
                                                                   "Debian's chromium-headless-shell)"),
              pytest.mark.timeout(120)]


def test_the_runs_report_renders_with_its_values_and_every_image():
    folder = Path(REPORT)
    recorded = json.loads((folder / "values.json").read_text())
    page = render_page(folder / "index.html")
    assert page.title == f"Simplepipe e2e report ({recorded['platform']})"
    assert recorded["dashboards"], "no dashboard was drawn"
    assert len(page.images) == len(recorded["dashboards"])
    assert all(width > 0 and height > 0 for _, width, height, _ in page.images), page.images
    values = next(t for t in page.tables if t[0][:3] == ["scenario", "tenant", "query"])
    assert recorded["values"], "the run recorded no PromQL value"
    for row in recorded["values"]:
        assert [row["scenario"], row["tenant"], row["query"], row["value"], row["expected"],
                "ok" if row["ok"] else "FAIL"] in values
    if recorded["matrix"]:
        matrix = next(t for t in page.tables if t[0][0] == "attack vector")
        assert matrix[1:] == recorded["matrix"]
    for run in recorded["runs"]:
        assert run["name"] in page.text
