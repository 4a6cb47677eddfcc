"""The administrator's dashboards on real scenario data: given every scenario has run, when Prometheus has
scraped them, then every panel of every dashboard shows data, and the failing scenario's job raises
SimplepipeJobFailed in Prometheus."""
import pytest

from dashboards.live import check_all_panels
from harness.promql import PrometheusClient
from harness.scenario import load_scenarios
from harness.waiting import NotYet, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

# Long enough for a scrape and a rule evaluation after the last workflow finished (2 s locally, 5 s on kind).
SETTLE_SECONDS = 30.0


def test_every_panel_shows_data_and_the_failing_job_alerts(given):
    for scenario in load_scenarios():
        given.scenario(scenario.name)
    given.when().submitted().finished().then().phase_as_expected()
    prometheus = PrometheusClient(given.platform.prometheus_url)

    def every_panel_has_data() -> bool:
        problems = check_all_panels(prometheus.url, window_seconds=900)
        if problems:
            raise NotYet("\n".join(problems))
        return True

    def bobs_job_failed_alert() -> list[dict]:
        firing = [a for a in prometheus.alerts() if a["state"] == "firing"]
        mine = [a for a in firing if a["labels"].get("alertname") == "SimplepipeJobFailed"
                and a["labels"].get("tenant") == "bob" and a["labels"].get("job") == "bob-nightly"]
        if not mine:
            raise NotYet(f"firing: {[a['labels'] for a in firing]}")
        return mine

    wait_until(every_panel_has_data, timeout=SETTLE_SECONDS, poll=1, what="every panel to show data")
    wait_until(bobs_job_failed_alert, timeout=SETTLE_SECONDS, poll=1,
               what="SimplepipeJobFailed firing for bob's job bob-nightly")
