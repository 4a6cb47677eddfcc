"""The capacity shape's searches, step by step: what is probed next after each verdict."""
from __future__ import annotations

from load.capacity_plan import WITHIN
from load.capacity_search import Bisection, ConcurrencySteps, Probe

OVER = "over the p99 bound"


def _run(search: Bisection, limit: float) -> list[float]:
    """Probe rates until the search ends, judging a rate within when it is at or below `limit`."""
    probed, probe = [], search.first()
    while probe is not None:
        probed.append(probe.rate)
        probe = search.after(probe, WITHIN if probe.rate <= limit else OVER)
    return probed


def test_the_bisection_brackets_the_limit_within_its_precision():
    search = Bisection(high=1000.0, precision=0.02, max_probes=30)
    probed = _run(search, limit=637.0)
    assert probed[0] == 1000.0 and probed[1] == 1000.0, "a probe over the bound is run once more before it counts"
    assert search.low <= 637.0 < search.upper
    assert search.upper - search.low <= 0.02 * search.upper
    assert len(probed) < 20, "bisection, not a scan"


def test_the_top_of_the_bracket_within_ends_the_search_at_once():
    search = Bisection(high=800.0, precision=0.02, max_probes=30)
    assert _run(search, limit=5000.0) == [800.0]
    assert (search.low, search.upper) == (800.0, None)


def test_a_noisy_probe_that_is_within_on_its_repeat_counts_as_within():
    search = Bisection(high=1000.0, precision=0.02, max_probes=30)
    first = search.first()
    repeat = search.after(first, OVER)
    assert repeat == Probe(1000.0, repeat=True)
    assert search.after(repeat, WITHIN) is None and search.low == 1000.0


def test_the_bisection_stops_after_its_probe_budget_repeats_included():
    search = Bisection(high=1000.0, precision=0.0001, max_probes=5)
    assert len(_run(search, limit=321.0)) == 5
    once = Bisection(high=1000.0, precision=0.02, max_probes=1)
    assert _run(once, limit=10.0) == [1000.0], "a budget of one probe is one probe, not a probe and its repeat"


def test_concurrency_steps_run_in_order_and_stop_at_the_first_failures():
    steps = ConcurrencySteps([4, 16, 64])
    assert steps.first().rate == 4
    assert steps.after(Probe(4, False), failures=0).rate == 16
    assert steps.after(Probe(16, False), failures=3) is None
    done = ConcurrencySteps([4, 16])
    done.after(Probe(4, False), 0)
    assert done.after(Probe(16, False), 0) is None
