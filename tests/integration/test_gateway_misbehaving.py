"""The Pushgateway client, CLI and BackgroundPusher against misbehaving gateways started by fixtures:
a dribbled answer, a redirect, a connection reset, a huge error body. Time bounds have wide margins."""
import os
import resource
import subprocess
import time

import pytest
from scripted_server import Answer, ScriptedServer

from simplepipe import BackgroundPusher, GatewayRefusedError, GatewayUnreachableError, Pushgateway
from simplepipe.formats import from_data
from tests.support.tools import SIMPLEPIPE

METRICS = from_data([{"name": "a", "value": 1, "metric_type": "gauge"}])
DRIBBLES = {
    "whole-answer": Answer(200, "", dribble=0.2),  # status line and headers too, one byte every 0.2 s
    "body-only": Answer(200, "z", repeat=10_000, dribble=0.2, head_at_once=True),
    "error-body": Answer(500, "z", repeat=10_000, dribble=0.2, head_at_once=True),
}


def cli(*args, url):
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"), "SIMPLEPIPE_PUSHGATEWAY_URL": url}
    return subprocess.run([SIMPLEPIPE, *args], env=env, input="a 1\n", capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("answer", DRIBBLES.values(), ids=DRIBBLES.keys())
def test_timeout_bounds_each_attempt_of_a_dribbling_gateway(answer):
    with ScriptedServer([answer]) as server:
        gateway = Pushgateway(server.url, identity=None, timeout=1, retries=1, backoff=0.01)
        start = time.monotonic()
        with pytest.raises(GatewayUnreachableError, match=r"after 2 attempt\(s\): no complete answer within the 1 s"):
            gateway.push(METRICS, "j")
        took = time.monotonic() - start
    assert len(server.requests) == 2  # both attempts were made, each cut at its deadline
    assert took < 5, f"1 s timeout x 2 attempts took {took:.1f} s"


def test_cli_against_a_dribbling_gateway_exits_4_within_the_documented_worst_case():
    with ScriptedServer([DRIBBLES["whole-answer"]]) as server:
        start = time.monotonic()
        result = cli("push", "-", "--job", "j", "--timeout", "1", "--retries", "1", url=server.url)
        took = time.monotonic() - start
    assert result.returncode == 4, result.stderr
    assert "no complete answer within the 1 s timeout" in result.stderr and "Traceback" not in result.stderr
    # worst case: 1 s x 2 attempts + backoff (0 before the first retry) + interpreter start-up
    assert took < 8, f"took {took:.1f} s"


def test_background_pusher_leaving_its_block_is_bounded():
    with ScriptedServer([DRIBBLES["whole-answer"]]) as server:
        gateway = Pushgateway(server.url, identity=None, timeout=1, retries=1, backoff=0.01)
        pusher = BackgroundPusher("j", interval=0.05, gateway=gateway, raise_on_push_error=False)
        with pusher:
            pusher.set("progress", 1)
            time.sleep(0.3)  # a periodic push is now in flight against the dribbling gateway
            start = time.monotonic()
        took = time.monotonic() - start
    # one periodic attempt in flight (1 s) + the final push's worst case (2 x 1 s + backoff)
    assert took < 3 * gateway.worst_case_seconds + 3, f"took {took:.1f} s"
    assert isinstance(pusher.last_error, GatewayUnreachableError)


@pytest.mark.parametrize("method", ["push", "pushadd", "delete"])
@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_is_a_refusal_naming_status_and_location(method, status):
    with ScriptedServer([Answer(status, "", headers={"Location": "http://elsewhere.example/metrics/job/j"})]) as server:
        gateway = Pushgateway(server.url, identity=None, retries=3, backoff=0.01)
        call = getattr(gateway, method)
        with pytest.raises(GatewayRefusedError) as info:
            call("j") if method == "delete" else call(METRICS, "j")
    assert info.value.status == status and info.value.exit_code == 5
    assert f"HTTP {status}, a redirect to http://elsewhere.example/metrics/job/j" in str(info.value)
    assert len(server.requests) == 1  # neither followed nor retried


def test_cli_redirect_exit_5():
    with ScriptedServer([Answer(307, "", headers={"Location": "/metrics/job/other"})]) as server:
        result = cli("push", "-", "--job", "j", url=server.url)
    assert result.returncode == 5
    assert "HTTP 307, a redirect to /metrics/job/other" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_connection_reset_is_retried_then_unreachable():
    with ScriptedServer([Answer(reset=True)]) as server:
        with pytest.raises(GatewayUnreachableError, match=r"after 3 attempt\(s\)"):
            Pushgateway(server.url, identity=None, retries=2, backoff=0.01).push(METRICS, "j")
    assert len(server.requests) == 3


def test_connection_reset_then_success():
    with ScriptedServer([Answer(reset=True), Answer(200, "")]) as server:
        receipt = Pushgateway(server.url, identity=None, retries=2, backoff=0.01).push(METRICS, "j")
    assert receipt.attempts == 2 and receipt.status == 200


def test_huge_error_body_is_read_in_part_and_shown_truncated_with_its_size():
    huge = Answer(400, "0123456789abcdef" * 64, repeat=50 * 1024)  # 50 MiB, never held by the server either
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with ScriptedServer([huge]) as server:
        with pytest.raises(GatewayRefusedError) as info:
            Pushgateway(server.url, identity=None, retries=0).push(METRICS, "j")
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    message = str(info.value)
    assert message.endswith(f"... ({50 * 1024 * 1024} bytes, truncated)")
    assert len(message) < 1000 and len(info.value.body) <= 64 * 1024
    assert grown_kib < 20 * 1024, f"memory grew by {grown_kib} KiB"


def test_cli_huge_error_body_one_short_line():
    with ScriptedServer([Answer(500, "x" * 1024, repeat=50 * 1024)]) as server:
        result = cli("push", "-", "--job", "j", "--retries", "1", url=server.url)
    assert result.returncode == 5
    assert len(result.stderr.strip().splitlines()) == 1 and len(result.stderr) < 1000
    assert "(52428800 bytes, truncated)" in result.stderr
