"""The load's oracle: what the nothing-lost check expects of a group is what Simplepipe really sends."""
from __future__ import annotations

import pytest

from load import payloads
from load.report import PushStats
from load.result import LoadResult


def _samples(exposition: bytes) -> list[float]:
    return [float(line.rsplit(" ", 1)[1]) for line in exposition.decode().splitlines()
            if line and not line.startswith("#")]


@pytest.mark.parametrize("kind, series", [("small", 2), ("medium", 100), ("large", 10_000)])
def test_digest_matches_the_exposition_simplepipe_sends(kind, series):
    for sequence in (1, 7, 12_345):
        samples = _samples(payloads.exposition(kind, sequence))
        digest = payloads.digest(kind, sequence)
        assert digest.series == len(samples) == series
        assert digest.value_sum == sum(samples)


def test_every_push_of_a_workflow_changes_every_value_it_checks():
    # A stale group (an earlier push) must never pass for the last one.
    for kind in payloads.KINDS:
        assert payloads.digest(kind, 5).value_sum != payloads.digest(kind, 4).value_sum


def test_unknown_kind_is_refused_by_name():
    with pytest.raises(payloads.UnknownPayloadError, match="huge"):
        payloads.metrics("huge", 1)


def test_percentiles_are_nearest_rank_over_the_merged_histogram():
    stats = PushStats("small")
    stats.add({"num_requests": 3, "num_failures": 0, "response_times": {"1": 2, "9": 1},
               "start_time": 10.0, "last_request_timestamp": 11.0})
    stats.add({"num_requests": 1, "num_failures": 1, "response_times": {"4": 1},
               "start_time": 9.0, "last_request_timestamp": 12.0})
    assert (stats.pushes, stats.failures, stats.first, stats.last) == (4, 1, 9.0, 12.0)
    assert [stats.percentile(f) for f in (0.5, 0.75, 0.95, 0.99)] == [1.0, 4.0, 9.0, 9.0]


def test_final_lines_are_the_parsed_format_and_fail_the_run_on_failures(tmp_path):
    result = LoadResult(out_dir=tmp_path)
    assert result.final_lines == ["push throughput: 0.0/s (ratio 0.00 of wrk ceiling 0.0/s), failures 0, lost 0",
                                  "capacity within p99 50 ms: not measured"]
    assert result.exit_code == 0
    result.errors.append("wrk missing")
    assert result.exit_code == 1
