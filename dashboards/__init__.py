"""Grafana dashboards and Prometheus alert rules for Simplepipe, as code.

`python -m dashboards.build` renders them (dashboards/rendered/, dashboards/rules/,
dashboards/kubernetes/); `dashboards.live` checks every panel against a live
Prometheus; `python -m dashboards.snapshot` draws every dashboard to a PNG.
"""
