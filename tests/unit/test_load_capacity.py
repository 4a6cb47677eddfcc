"""The capacity shape's verdicts: which step counts, which one ended the ramp, and who the bottleneck was."""
from __future__ import annotations

from load.capacity import Capacity, Step
from load.capacity_plan import verdict


def test_a_step_is_within_only_without_errors_within_the_bound_and_at_its_rate():
    assert verdict(1000, 0, 50.0, 2, 500, 50.0, 0.9) == "within"
    assert verdict(1000, 1, 10.0, 2, 500, 50.0, 0.9) == "errors"
    assert verdict(1000, 0, 51.0, 2, 500, 50.0, 0.9) == "over the p99 bound"
    assert verdict(899, 0, 10.0, 2, 500, 50.0, 0.9) == "saturated"


def _step(rate, achieved, verdict_, generator=0.2, gateway=0.5, machine=None):
    return Step(rate=rate, start=0, end=5, achieved=achieved, verdict=verdict_, generator_cores=generator,
                gateway_cores=gateway, machine_cores=machine if machine is not None else generator + gateway)


def _capacity(*steps, processes=1, cores=4):
    return Capacity(tenant="alice", processes=processes, p99_bound_ms=50.0, steps=list(steps), cores=cores)


def test_a_repeated_probe_within_the_bound_counts_and_the_confirming_repeat_decides():
    ramp = _capacity(_step(500, 498, "within"), _step(1000, 900, "over the p99 bound"), _step(1000, 995, "within"),
                     _step(1500, 1200, "over the p99 bound", gateway=3.5), _step(1500, 1100, "saturated", gateway=3.6))
    assert ramp.sustained == 995
    assert ramp.deciding.rate == 1500 and ramp.deciding.achieved == 1100
    assert ramp.bottleneck == "gateway-bound"


def test_generator_bound_when_the_generator_used_its_cores_and_the_gateway_did_not():
    ramp = _capacity(_step(500, 498, "within"), _step(1000, 700, "saturated", generator=0.95, gateway=0.6))
    assert ramp.bottleneck == "generator-bound" and ramp.generator_bound
    assert "generator-bound" in ramp.summary() and "not the gateway's capacity" in ramp.summary()


def test_machine_bound_when_the_machine_had_no_idle_core():
    busy = _capacity(_step(500, 498, "within"), _step(1000, 900, "over the p99 bound", machine=3.5))
    assert busy.bottleneck == "machine-bound"


def test_not_reached_when_every_step_was_within():
    ramp = _capacity(_step(500, 498, "within"), _step(1000, 1001, "within"))
    assert (ramp.bottleneck, ramp.sustained) == ("not reached", 1001)
    assert "at least 1001.0" in ramp.summary()


def test_errors_at_the_lowest_rate_are_failures_errors_at_the_limit_end_the_ramp():
    overloaded = _capacity(_step(500, 498, "within"), _step(1000, 700, "errors"))
    overloaded.steps[1].failures = 12
    assert overloaded.failures == 0
    refused = _capacity(_step(500, 0, "errors"), _step(500, 0, "errors"))
    refused.steps[0].failures, refused.steps[1].failures = 2500, 2500
    assert refused.failures == 5000


def test_the_deciding_probe_of_a_bisection_is_the_lowest_rate_over_the_bound():
    # Probes in bisection order: 1000 over (twice), 500 within, 750 over (twice), 625 within, 687 over (twice).
    probes = _capacity(_step(1000, 700, "saturated"), _step(1000, 690, "saturated"), _step(500, 499, "within"),
                       _step(750, 748, "over the p99 bound"), _step(750, 749, "over the p99 bound"),
                       _step(625, 624, "within"), _step(687, 686, "over the p99 bound"),
                       _step(687, 685, "over the p99 bound", gateway=3.7))
    assert probes.sustained == 624
    assert (probes.deciding.rate, probes.deciding.achieved) == (687, 685)
    assert probes.bottleneck == "gateway-bound"


def test_throughput_is_the_best_failure_free_step_and_its_bound_comes_from_its_cpu():
    capacity = _capacity(processes=1, cores=2)
    capacity.throughput_steps = [_step(4, 800, "", generator=0.5, gateway=0.9),
                                 _step(16, 1100, "", generator=0.95, gateway=0.9),
                                 _step(64, 1300, "errors")]
    capacity.throughput_steps[2].failures = 7
    capacity.throughput_steps[0].pushes = capacity.throughput_steps[1].pushes = 1000
    assert capacity.throughput == 1100
    assert capacity.throughput_bound == "generator CPU-bound"
    capacity.throughput_steps[1].generator_cores, capacity.throughput_steps[1].machine_cores = 0.4, 1.3
    assert capacity.throughput_bound == "neither CPU-bound"
