"""The metric names dashboards and rules may use: what the platform really produces.

A panel over a metric nobody pushes is an empty panel; tests check every query
against this list (see scenarios/*/expect.yaml for who pushes what).
"""
from __future__ import annotations

# Pushed by the scenarios (scenarios/<name>/workflow.yaml).
SCENARIO_METRICS = frozenset({
    "application_run_time_seconds",  # alice-app, bob-images
    "model_accuracy",  # alice-app
    "images_processed",  # bob-images
    "data_volume_bytes",  # bob-images
    "training_epoch",  # alice-training
    "training_reward",  # alice-training
})

# Recorded by Simplepipe's SDK reporter at the end of a job (simplepipe.sdk).
SDK_METRICS = frozenset({
    "simplepipe_job_success",
    "simplepipe_job_last_success_timestamp_seconds",
    "simplepipe_job_last_failure_timestamp_seconds",
})

# Exposed by every Pushgateway: per pushed group, and about the gateway itself.
PUSHGATEWAY_METRICS = frozenset({
    "push_time_seconds",
    "push_failure_time_seconds",
    "pushgateway_build_info",
    "pushgateway_http_requests_total",
})

# Written by Prometheus for every scrape of a target.
SCRAPE_METRICS = frozenset({
    "up",
    "scrape_duration_seconds",
    "scrape_samples_scraped",
    "scrape_samples_post_metric_relabeling",
    "scrape_series_added",
})

KNOWN_METRICS = SCENARIO_METRICS | SDK_METRICS | PUSHGATEWAY_METRICS | SCRAPE_METRICS
