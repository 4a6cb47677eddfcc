"""The Pushgateway client against a real Pushgateway: replace/add/delete, grouping keys, errors, auth."""
import gzip
import uuid

import pytest
from scripted_server import ScriptedServer

from harness.net import free_port
from harness.waiting import wait_until
from simplepipe import GatewayRefusedError, GatewayUnreachableError, Pushgateway
from simplepipe.formats import from_data


def job() -> str:
    return f"test-{uuid.uuid4().hex[:8]}"


def wait_deleted(pushgateway, name: str, **labels) -> None:
    """The Pushgateway answers a DELETE with 202 Accepted and applies it after: wait for it, not for luck."""
    wait_until(lambda: pushgateway.group(name, **labels) is None, timeout=10, poll=0.05,
               what=f"group {name} {labels} to be deleted")


def gauges(**values):
    return from_data([{"name": k, "value": v, "metric_type": "gauge"} for k, v in values.items()])


@pytest.fixture
def client(pushgateway):
    with Pushgateway(pushgateway.url, identity=None, retries=0) as gateway:
        yield gateway


def values(pushgateway, job_name, **labels):
    return {name: next(iter(series.values())) for name, (_, _, series) in pushgateway.read_back(job_name, **labels).items()}


def test_put_replaces_the_whole_group(pushgateway, client):
    name = job()
    client.push(gauges(a=1, b=2), name)
    client.push(gauges(a=3), name)
    assert values(pushgateway, name) == {"a": 3.0}


def test_post_replaces_only_metrics_of_the_same_name(pushgateway, client):
    name = job()
    client.push(gauges(a=1, b=2), name)
    client.pushadd(gauges(a=5, c=6), name)
    assert values(pushgateway, name) == {"a": 5.0, "b": 2.0, "c": 6.0}


def test_delete_removes_the_group(pushgateway, client):
    name = job()
    client.push(gauges(a=1), name, {"stage": "x"})
    client.push(gauges(a=1), name, {"stage": "y"})
    client.delete(name, {"stage": "x"})
    wait_deleted(pushgateway, name, stage="x")
    assert pushgateway.group(name, stage="y") is not None


@pytest.mark.parametrize("value", ["a/b/c", "with spaces", "zoë ☃ 日本", "", "100%", "a+b?c#d", "/", ".", "..", "...",
                                   "./x", "a/../b", "%2F", "%2e%2e", "%", "@base64", "="])
def test_grouping_key_values_arrive_intact(pushgateway, client, value):
    name = job()
    client.push(gauges(a=1), name, {"key": value})
    assert values(pushgateway, name, key=value) == {"a": 1.0}


@pytest.mark.parametrize("value", ["..", ".", "", "/", "%2e%2e"])
def test_each_value_addresses_exactly_its_own_group(pushgateway, client, value):
    name = job()
    for run in ("keep", value):
        client.push(gauges(a=1), name, {"run": run})
    client.push(gauges(a=1), name)
    client.delete(name, {"run": value})
    wait_deleted(pushgateway, name, run=value)
    assert pushgateway.group(name, run="keep") is not None and pushgateway.group(name) is not None


@pytest.mark.parametrize("name", [".", "..", "a/..", "%2e"])
def test_dot_jobs(pushgateway, client, name):
    client.push(gauges(a=2), name)
    assert values(pushgateway, name) == {"a": 2.0}
    client.delete(name)
    wait_deleted(pushgateway, name)


def test_job_with_slash(pushgateway, client):
    name = job() + "/nightly"
    client.push(gauges(a=1), name)
    assert values(pushgateway, name) == {"a": 1.0}


def test_gateway_400_body_is_shown(pushgateway, client):
    client.push(from_data([{"name": "clash_total", "value": 1, "metric_type": "gauge"}]), job())
    with pytest.raises(GatewayRefusedError) as info:
        client.push(from_data([{"name": "clash", "value": 1, "metric_type": "counter"}]), job())
    assert info.value.status == 400
    assert "inconsistent with existing metrics" in str(info.value) and "clash_total" in info.value.body


def test_gzip_body(pushgateway):
    name = job()
    with Pushgateway(pushgateway.url, identity=None, gzip=True) as gateway:
        gateway.push(gauges(zipped=7), name)
    assert values(pushgateway, name) == {"zipped": 7.0}


def test_unreachable_after_retries():
    gateway = Pushgateway(f"http://127.0.0.1:{free_port()}", identity=None, retries=2, backoff=0.01)
    with pytest.raises(GatewayUnreachableError) as info:
        gateway.push(gauges(a=1), "j")
    assert info.value.attempts == 3 and "unreachable after 3 attempt(s)" in str(info.value)


def test_5xx_is_retried_then_succeeds():
    with ScriptedServer([(503, "busy"), (502, "bad gateway"), (200, "")]) as server:
        receipt = Pushgateway(server.url, identity=None, retries=3, backoff=0.01).push(gauges(a=1), "j")
    assert receipt.attempts == 3 and len(server.requests) == 3
    assert all(r["body"] == server.requests[0]["body"] for r in server.requests)


def test_5xx_after_all_retries_shows_the_last_body():
    with ScriptedServer([(500, "disk full")]) as server:
        with pytest.raises(GatewayRefusedError, match="HTTP 500: disk full"):
            Pushgateway(server.url, identity=None, retries=1, backoff=0.01).push(gauges(a=1), "j")
    assert len(server.requests) == 2


def test_4xx_is_never_retried():
    with ScriptedServer([(400, "bad push"), (200, "")]) as server:
        with pytest.raises(GatewayRefusedError, match="bad push"):
            Pushgateway(server.url, identity=None, retries=5, backoff=0.01).push(gauges(a=1), "j")
    assert len(server.requests) == 1


def test_request_shape_token_and_gzip():
    with ScriptedServer([(200, "")]) as server:
        Pushgateway(server.url, identity=None, token="s3cret", gzip=True).pushadd(gauges(a=1), "j", {"k": "v"})
    request = server.requests[0]
    assert (request["method"], request["path"]) == ("POST", "/metrics/job/j/k/v")
    assert request["headers"]["Authorization"] == "Bearer s3cret"
    assert request["headers"]["Content-Type"].startswith("text/plain; version=0.0.4")
    assert gzip.decompress(request["body"]) == b"# TYPE a gauge\na 1\n"


def test_connections_are_reused():
    with ScriptedServer([(200, "")]) as server:
        gateway = Pushgateway(server.url, identity=None)
        for _ in range(5):
            gateway.push(gauges(a=1), "j")
        assert gateway._pool.num_connections == 1 and gateway._pool.num_requests == 5


def test_basic_auth(auth_pushgateway):
    name = job()
    with pytest.raises(GatewayRefusedError) as info:
        Pushgateway(auth_pushgateway.url, identity=None).push(gauges(a=1), name)
    assert info.value.status == 401
    with pytest.raises(GatewayRefusedError):
        Pushgateway(auth_pushgateway.url, identity=None, username="alice", password="wrong").push(gauges(a=1), name)
    user, password = auth_pushgateway.auth
    Pushgateway(auth_pushgateway.url, identity=None, username=user, password=password).push(gauges(a=1), name)
    assert auth_pushgateway.group(name) is not None


def test_tls_with_ca_file_skip_verify_and_untrusted(tls_pushgateway):
    user, password = tls_pushgateway.auth
    name = job()
    Pushgateway(tls_pushgateway.url, identity=None, username=user, password=password,
                ca_file=tls_pushgateway.ca_file).push(gauges(a=1), name)
    Pushgateway(tls_pushgateway.url, identity=None, username=user, password=password,
                insecure_skip_verify=True).push(gauges(a=2), name)
    assert values(tls_pushgateway, name) == {"a": 2.0}
    with pytest.raises(GatewayUnreachableError, match="TLS") as info:
        Pushgateway(tls_pushgateway.url, identity=None, username=user, password=password, retries=3).push(gauges(a=3), name)
    assert info.value.attempts == 1  # a certificate problem is not retried
