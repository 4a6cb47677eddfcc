"""The administrator's view: Alice's and Bob's run times side by side in one query, each labelled by tenant."""
import pytest

pytestmark = [pytest.mark.timeout(300)]


def test_one_query_shows_both_tenants_run_times(given):
    (given.tenant("alice").workflow("alice-app")
     .tenant("bob").workflow("bob-images")
     .when().submitted().finished()
     .then().phase_as_expected()
     .tenants_side_by_side("application_run_time_seconds", min=0, max=60))
