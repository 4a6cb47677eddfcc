"""When Argo retries a failed node and how long it backs off (operator.go processNodeRetries)."""
import pytest

from harness.runner.retries import Attempt, decide, seconds
from harness.runner.spec import Backoff, RetryStrategy
from harness.workflows import Phase


def attempts(*phases: Phase, message: str = "Error (exit code 1)", length: float = 1.0) -> list[Attempt]:
    return [Attempt(p, message, 1 if p == Phase.FAILED else None, i * 10.0, i * 10.0 + length, length)
            for i, p in enumerate(phases)]


@pytest.mark.parametrize("text, value", [("5", 5.0), ("90s", 90.0), ("2m", 120.0), ("1h30m", 5400.0),
                                         ("500ms", 0.5)])
def test_durations_as_argo_reads_them(text, value):
    assert seconds(text) == value


def test_limit_counts_retries_not_attempts():
    strategy = RetryStrategy(limit="2")
    assert decide(strategy, attempts(Phase.FAILED, Phase.FAILED), 30, None).retry
    stop = decide(strategy, attempts(Phase.FAILED, Phase.FAILED, Phase.FAILED), 30, None)
    assert (stop.retry, stop.message) == (False, "No more retries left")


@pytest.mark.parametrize("policy, phase, retried", [
    (None, Phase.FAILED, True), (None, Phase.ERROR, False),  # OnFailure by default
    ("OnError", Phase.FAILED, False), ("OnError", Phase.ERROR, True),
    ("Always", Phase.ERROR, True), ("OnTransientError", Phase.FAILED, False),
])
def test_retry_policy(policy, phase, retried):
    assert decide(RetryStrategy(limit="5", retry_policy=policy), attempts(phase), 5, None).retry is retried


def test_on_transient_error_retries_argos_transient_messages():
    strategy = RetryStrategy(limit="5", retry_policy="OnTransientError")
    assert decide(strategy, attempts(Phase.ERROR, message="dial tcp: connect: connection refused"), 5, None).retry


def test_backoff_doubles_up_to_the_cap_and_stops_at_max_duration():
    strategy = RetryStrategy(limit="10", backoff=Backoff(duration="2", factor="2", cap="5", max_duration="60"))
    assert decide(strategy, attempts(Phase.FAILED), 1.0, None).wait == pytest.approx(2.0)  # after 1st: duration
    assert decide(strategy, attempts(Phase.FAILED, Phase.FAILED), 11.0, None).wait == pytest.approx(4.0)
    assert decide(strategy, attempts(*[Phase.FAILED] * 3), 21.0, None).wait == pytest.approx(5.0)  # capped
    late = decide(strategy, attempts(*[Phase.FAILED] * 7), 61.0, None)
    assert (late.retry, late.message) == (False, "Max duration limit exceeded")


def test_no_backoff_without_a_limit():
    strategy = RetryStrategy(backoff=Backoff(duration="30"))
    decision = decide(strategy, attempts(Phase.FAILED), 1.0, None)
    assert decision.retry and decision.wait == 0.0


def test_expression_decides_with_the_last_attempt():
    strategy = RetryStrategy(limit="5", expression="asInt(lastRetry.exitCode) > 1")
    assert strategy.policy == "Always"
    stop = decide(strategy, attempts(Phase.FAILED), 1.0, None)
    assert (stop.retry, stop.message) == (False, "retryStrategy.expression evaluated to false")


def test_the_workflow_deadline_ends_retries():
    stop = decide(RetryStrategy(limit="5"), attempts(Phase.FAILED), 10.0, 5.0)
    assert (stop.retry, stop.message) == (False, "retry exceeded workflow deadline")
