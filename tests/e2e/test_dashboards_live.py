"""The administrator's dashboards on real scenario data: given every scenario, when each has run, then every
panel of every dashboard shows what the scenarios' tenants produce, and the failing scenario's job raises
SimplepipeJobFailed in Prometheus."""
import pytest

pytestmark = [pytest.mark.timeout(300)]


def test_every_panel_shows_data_and_the_failing_job_alerts(given):
    (given.every_scenario()
     .when().submitted().finished()
     .then().phase_as_expected().every_panel_shows_its_data()
     .alert_firing("SimplepipeJobFailed", tenant="bob", job="bob-nightly"))
