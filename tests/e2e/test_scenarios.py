"""Every scenario in scenarios/, as its expect.yaml says: given its tenant and workflow, when it has run,
then the workflow's phase and PromQL are as expected."""
import pytest

from tests.support.scenario import load_scenarios

pytestmark = [pytest.mark.timeout(300)]


@pytest.mark.parametrize("scenario", [s.name for s in load_scenarios()])
def test_scenario(given, scenario):
    (given.scenario(scenario)
     .when().submitted().observed_while_running().finished()
     .then().phase_as_expected().expectations_hold())
