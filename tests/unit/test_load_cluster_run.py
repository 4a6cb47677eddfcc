"""`make load PLATFORM=kind LOAD_ARGS="--workers N"` before anything runs: no cluster is a one-line refusal naming
how to start one, the capacity shape is refused in the cluster, run ids are what the chart accepts, and the
workers' CPU line says when the generator is CPU-bound."""
from __future__ import annotations

import re

import pytest

from load import run
from load.cluster_run import run_id_now, worker_line


def test_without_a_kind_cluster_the_in_cluster_load_is_refused_in_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "no-kubeconfig"))
    assert run.main(["--platform", "kind", "--workers", "2"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("ERROR: the kind platform is not running") and "make up PLATFORM=kind" in err
    assert len(err.splitlines()) == 1


def test_a_run_id_is_a_dns_label():
    assert re.fullmatch(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?", run_id_now())


@pytest.mark.parametrize("cpu, expected", [
    ({"worker 1": 0.42, "worker 2": 0.40}, "worker 1 0.42, worker 2 0.40; none near its 1-core limit"),
    ({"worker 1": 0.95, "worker 2": 0.30}, "worker 1 near its 1-core limit: the generator is CPU-bound, add workers"),
    ({}, "not reported"),
])
def test_the_workers_cpu_line_says_when_the_generator_is_cpu_bound(cpu, expected):
    assert expected in worker_line(cpu)
