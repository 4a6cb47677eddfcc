"""Who must fill which panel: a tenant produces the metrics its scenarios' expect.yaml select, and every tenant
that pushed has its Pushgateway's and scrape series."""
from pathlib import Path

from tests.support.dashboards_live import Producers
from tests.support.scenario import ExpectedValue, PromQLExpectation, Scenario, load_scenarios


def _scenario(tenant: str, *queries: str) -> Scenario:
    return Scenario(name=f"{tenant}-x", directory=Path(f"{tenant}-x"), tenant=tenant, description="",
                    timeout_seconds=1, phase="Succeeded", during=(),
                    expect=tuple(PromQLExpectation(q, ExpectedValue(min=0)) for q in queries))


def test_the_repositorys_scenarios_say_who_pushes_what():
    producers = Producers.of(load_scenarios())

    assert producers.tenants_for(['max by (tenant) (application_run_time_seconds{tenant=~"$tenant"})']) == {
        "alice", "bob"}
    assert producers.tenants_for(['sum(data_processed_bytes_total{tenant=~"$tenant"})']) == {"bob"}
    assert producers.tenants_for(["training_epoch", "model_accuracy_ratio"]) == {"alice"}
    assert producers.expects_data(["data_processed_bytes_total"], "bob") and not producers.expects_data(
        ["data_processed_bytes_total"], "alice")


def test_gateway_and_scrape_series_and_label_only_selectors_are_every_tenants():
    producers = Producers.of([_scenario("carol", 'carol_rows{tenant="carol"}'), _scenario("alice", "model_accuracy")])

    for expr in ['count by (tenant) (push_time_seconds{tenant=~"$tenant"})', 'up{job=~"pushgateway-($tenant)"}',
                 'count by (tenant) ({tenant=~"$tenant", tenant!=""})']:
        assert producers.tenants_for([expr]) == {"carol", "alice"}, expr
    # A tenant without a scenario of its own (added to tenants.yaml) still has its gateway's and scrape's
    # series, but no group's: whether it pushed anything, the scenarios cannot say.
    assert producers.expects_data(['up{job=~"pushgateway-($tenant)"}'], "dave")
    assert producers.expects_data(['count by (tenant) ({tenant=~"$tenant", tenant!=""})'], "dave")
    assert not producers.expects_data(['count by (tenant) (push_time_seconds{tenant=~"$tenant"})'], "dave")
    assert producers.expects_data(['count by (tenant) (push_time_seconds{tenant=~"$tenant"})'], "carol")
    assert not producers.expects_data(["model_accuracy"], "dave")
    assert not producers.expects_data(["carol_rows"], "alice") and producers.expects_data(["carol_rows"], "carol")


def test_an_expectation_that_holds_without_its_metric_is_no_evidence_that_it_is_pushed():
    producers = Producers.of([_scenario("carol", 'absent(carol_errors{tenant="carol"})',
                                        'sum(carol_retries{tenant="carol"}) or vector(0)', "carol_rows")])

    assert producers.tenants_for(["carol_errors"]) == set() and producers.tenants_for(["carol_retries"]) == set()
    assert not producers.expects_data(["carol_errors"])
    assert producers.tenants_for(["carol_rows"]) == {"carol"}
