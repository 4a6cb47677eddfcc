"""Grafana dashboards and Prometheus alert rules for Simplepipe, as code.

`python -m dashboards.build` renders them (dashboards/rendered/, dashboards/rules/,
dashboards/kubernetes/); `python -m dashboards.snapshot` draws every dashboard to a PNG. The tests check
every panel against a live Prometheus (tests/support/dashboards_live.py).
"""
