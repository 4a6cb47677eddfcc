"""simplepipe.standard_metrics: the helpers record the catalogue's names, types and units, into every target."""
from __future__ import annotations

import os
import time

import pytest

from simplepipe import formats, standard_checks, standard_metrics
from simplepipe.spec import MetricSet
from simplepipe.standard_catalogue import catalogue


def test_helpers_write_standard_items_into_a_simplepipe_list():
    items: list[dict] = []
    with standard_metrics.run_time(items) as timing:
        time.sleep(0.05)
        standard_metrics.items_processed(items, 12, item="images")
        standard_metrics.bytes_processed(items, 2048)
        standard_metrics.model_quality(items, accuracy=0.93, loss=0.2)
        standard_metrics.training_progress(items, epoch=3, reward=0.5)
        used = standard_metrics.memory_used(items)
        standard_metrics.job_outcome(items, succeeded=True, when=1_700_000_000)
    metrics = formats.from_data(items, "simplepipe", "<helpers>")
    assert standard_checks.check(metrics) == [], "helpers only ever produce catalogue metrics"
    values = {f.name: (f.type.value, f.series[0].value, f.series[0].labels) for f in metrics}
    assert values["items_processed_total"] == ("counter", 12.0, {"item": "images"})
    assert values["data_processed_bytes_total"] == ("counter", 2048.0, {})
    assert values["model_accuracy_ratio"][1] == 0.93 and values["model_loss"][1] == 0.2
    assert values["training_epoch"][1] == 3 and values["training_reward"][1] == 0.5
    assert values["simplepipe_job_success"][1] == 1
    assert values["simplepipe_job_last_success_timestamp_seconds"][1] == 1_700_000_000
    assert values["application_run_time_seconds"][1] == timing.seconds and 0.05 <= timing.seconds < 5
    assert values["process_memory_usage_bytes"][1] == used > 1024 * 1024


def test_helpers_use_the_catalogue_help_text():
    metrics = MetricSet()
    standard_metrics.training_progress(metrics, epoch=1)
    assert metrics["training_epoch"].help == catalogue()["training_epoch"].help


def test_a_failed_job_records_its_failure_time():
    metrics = MetricSet()
    standard_metrics.job_outcome(metrics, succeeded=False, when=5)
    assert metrics["simplepipe_job_success"].series[0].value == 0
    assert metrics["simplepipe_job_last_failure_timestamp_seconds"].series[0].value == 5
    assert "simplepipe_job_last_success_timestamp_seconds" not in metrics


def test_accuracy_must_be_a_ratio_not_a_percentage():
    with pytest.raises(ValueError, match="ratio from 0 to 1"):
        standard_metrics.model_quality([], accuracy=93)


def test_an_unsupported_target_is_named():
    with pytest.raises(TypeError, match="cannot record the gauge training_epoch into str"):
        standard_metrics.training_progress("pusher", epoch=1)


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="reads /proc")
def test_memory_used_is_this_process_resident_set():
    rss_pages = int(open("/proc/self/status").read().split("VmRSS:")[1].split()[0]) * 1024
    assert abs(standard_metrics.resident_set_bytes() - rss_pages) < 64 * 1024 * 1024
