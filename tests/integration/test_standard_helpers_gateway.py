"""The standard-metric helpers through a BackgroundPusher and a MetricCollector, against a real Pushgateway."""
import uuid

import pytest

from simplepipe import BackgroundPusher, MetricCollector, Pushgateway, standard_metrics


@pytest.fixture(autouse=True)
def outside_argo(monkeypatch):
    for name in ("ARGO_WORKFLOW_NAME", "ARGO_NODE_ID", "ARGO_TEMPLATE"):
        monkeypatch.delenv(name, raising=False)


def test_background_pusher_pushes_standard_metrics_and_sums_counters(pushgateway):
    job = f"std-{uuid.uuid4().hex[:8]}"
    with BackgroundPusher(job=job, interval=60, gateway=Pushgateway(pushgateway.url, identity=None)) as pusher:
        with standard_metrics.run_time(pusher):
            for epoch in (1, 2):
                standard_metrics.training_progress(pusher, epoch=epoch, reward=epoch / 4)
                standard_metrics.items_processed(pusher, 10, item="rows")
    back = pushgateway.read_back(job)
    assert back["training_epoch"][2] == {frozenset(): 2.0}
    assert back["items_processed_total"][0] == "COUNTER"
    assert back["items_processed_total"][2] == {frozenset({("item", "rows")}): 20.0}
    assert 0 <= back["application_run_time_seconds"][2][frozenset()] < 5
    assert back["simplepipe_job_success"][2] == {frozenset(): 1.0}


def test_metric_collector_gets_counters_too(pushgateway):
    job = f"std-{uuid.uuid4().hex[:8]}"
    collector = MetricCollector(pushgateway.url)
    standard_metrics.bytes_processed(collector, 100)
    standard_metrics.bytes_processed(collector, 28)
    standard_metrics.model_quality(collector, accuracy=0.5)
    collector.push(job)
    back = pushgateway.read_back(job)
    assert back["data_processed_bytes_total"][2] == {frozenset(): 128.0}
    assert back["model_accuracy_ratio"][2] == {frozenset(): 0.5}
