"""The e2e report, written from a real run on a local platform and opened in headless Chromium: it renders, every
image loads (the dashboards drawn from this run's data) and its tables hold the values the run recorded. A broken
image is found, so the check bites."""
from __future__ import annotations

import pytest

from tests.e2e.e2e_story import Given
from tests.support import e2e_report
from tests.support.chromium import chromium_binary, render_page
from tests.support.throwaway import throwaway_platform

pytestmark = [pytest.mark.timeout(300),
              pytest.mark.skipif(chromium_binary() is None, reason="no headless Chromium (make install installs "
                                                                   "Debian's chromium-headless-shell)")]


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """A run of alice-app and one attack row, and the report written from them while the platform is up."""
    tmp = tmp_path_factory.mktemp("e2e-report")
    with throwaway_platform(tmp / "platform") as platform:
        given = Given(platform, backend="local")
        given.scenario("alice-app").when().submitted().finished().then().phase_as_expected().expectations_hold()
        e2e_report.record_attack("a vector tried in this test", "local", "bob", "alice", e2e_report.BLOCKED, "HTTP 401")
        path = e2e_report.write_report(platform, tmp / "report")
        yield path, given.submissions[0].run


def test_the_report_renders_with_every_image_and_the_runs_values(report):
    path, run = report
    page = render_page(path)
    assert page.title == "Simplepipe e2e report (local)"
    assert len(page.images) == 3, page.images  # the three dashboards
    assert all(width > 0 and height > 0 for _, width, height, _ in page.images), page.images
    values = next(t for t in page.tables if t[0][:3] == ["scenario", "tenant", "query"])
    recorded = [r for r in e2e_report.rows() if r.scenario == "alice-app"]
    assert recorded
    for row in recorded:
        assert [row.scenario, row.tenant, row.query, row.value, row.expected, "ok"] in values
    matrix = next(t for t in page.tables if t[0][0] == "attack vector")
    assert ["a vector tried in this test", "blocked (1 pair)", "not run"] in matrix
    assert run.name in page.text and "push-metrics" in page.text and "pushed 3 series" in page.text
    assert all(f"{receiver}: " in page.text for receiver in ("alice", "bob", "administrator"))


def test_a_broken_image_is_found(report, tmp_path):
    path, _ = report
    text = path.read_text()
    start = text.index("data:image/png;base64,") + len("data:image/png;base64,")
    broken = tmp_path / "index.html"
    broken.write_text(text[:start] + "AAAA" + text[start + 4:])
    page = render_page(broken)
    assert sorted(width for _, width, _, _ in page.images)[0] == 0
