"""The administrator's dashboards on real scenario data: given every scenario, when each has run, then every
panel of every dashboard shows what the scenarios' tenants produce, and the failing scenario's job raises
SimplepipeJobFailed in Prometheus."""
import json
import time
import urllib.request

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

# Long enough for a scrape and a rule evaluation after the last workflow finished (2 s locally, 5 s on kind).
SETTLE_SECONDS = 30.0


def _eventually(check):
    """The check's result once it is empty (nothing wrong), or its last result after SETTLE_SECONDS."""
    deadline = time.monotonic() + SETTLE_SECONDS
    while (result := check()) and time.monotonic() < deadline:
        time.sleep(1)
    return result


def _firing(prometheus_url: str) -> list[dict]:
    with urllib.request.urlopen(f"{prometheus_url}/api/v1/alerts", timeout=10) as response:
        return [a for a in json.load(response)["data"]["alerts"] if a["state"] == "firing"]


def test_every_panel_shows_data_and_the_failing_job_alerts(given):
    given.every_scenario().when().submitted().finished().then().phase_as_expected().every_panel_shows_its_data()
    prometheus_url = given.platform.prometheus_url

    def job_failed_missing():
        return not [a for a in _firing(prometheus_url) if a["labels"].get("alertname") == "SimplepipeJobFailed"
                    and a["labels"].get("tenant") == "bob" and a["labels"].get("job") == "bob-nightly"]

    assert not _eventually(job_failed_missing), f"SimplepipeJobFailed not firing; firing: {_firing(prometheus_url)}"
