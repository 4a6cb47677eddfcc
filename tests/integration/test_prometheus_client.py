"""harness.prometheus_api.PrometheusClient against a scripted HTTP server: what it sends, its typed errors, and
the tests' wait for a PromQL condition (tests/support/promql.py)."""
import json
import urllib.parse

import pytest
from scripted_server import ScriptedServer

from harness.net import free_port
from harness.prometheus_api import PrometheusClient, PrometheusQueryError, PrometheusUnreachableError
from tests.support.promql import PromQLTimeoutError, has_value, wait_for


def answer(data) -> str:
    return json.dumps({"status": "success", "data": data})


def sent(request) -> tuple[str, str, dict]:
    """Method, path and parameters of a request, wherever they travelled (query string or form body)."""
    path, _, query = request["path"].partition("?")
    params = urllib.parse.parse_qs(query)
    params.update(urllib.parse.parse_qs((request["body"] or b"").decode()))
    return request["method"], path, params


def test_an_instant_query_at_a_time_is_a_post_with_prometheus_parameters():
    vector = {"resultType": "vector", "result": [{"metric": {"job": "a"}, "value": [12.5, "1"]}]}
    with ScriptedServer([(200, answer(vector))]) as server:
        result = PrometheusClient(server.url).query('up{job="a"}', time=12.5)
    assert result == vector["result"]
    assert sent(server.requests[0]) == ("POST", "/api/v1/query", {"query": ['up{job="a"}'], "time": ["12.500"]})


def test_a_scalar_answer_is_one_series_without_labels():
    scalar = {"resultType": "scalar", "result": [12.5, "3"]}
    with ScriptedServer([(200, answer(scalar))]) as server:
        assert PrometheusClient(server.url).series("scalar(vector(3))") == [({}, 3.0)]


def test_range_queries_and_label_values_send_prometheus_parameters():
    with ScriptedServer([(200, answer({"resultType": "matrix", "result": []})), (200, answer(["b", "a"]))]) as server:
        client = PrometheusClient(server.url)
        assert client.query_range("up", 10, 70, 15) == []
        assert client.label_values("tenant", "push_time_seconds", 10, 70) == ["a", "b"]
    query_range, label_values = server.requests
    assert sent(query_range) == ("POST", "/api/v1/query_range",
                                 {"query": ["up"], "start": ["10"], "end": ["70"], "step": ["15"]})
    assert sent(label_values) == ("GET", "/api/v1/label/tenant/values",
                                  {"start": ["10.000"], "end": ["70.000"], "match[]": ["push_time_seconds"]})


def test_a_refused_query_carries_prometheus_own_error():
    refusal = json.dumps({"status": "error", "errorType": "bad_data",
                          "error": '1:4: parse error: unexpected end of input inside braces'})
    with ScriptedServer([(400, refusal)]) as server, pytest.raises(PrometheusQueryError) as caught:
        PrometheusClient(server.url).query("up{")
    assert str(caught.value) == "bad_data: 1:4: parse error: unexpected end of input inside braces"
    assert isinstance(caught.value, ValueError)


def test_an_unreachable_prometheus_is_named():
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(PrometheusUnreachableError) as caught:
        PrometheusClient(url, timeout=2).query("up")
    assert f"Prometheus at {url} is unreachable" in str(caught.value)
    assert isinstance(caught.value, ConnectionError)


def test_waiting_for_a_value_returns_the_series_once_it_holds():
    one, two = ({"resultType": "vector", "result": [{"metric": {"job": "a"}, "value": [1, v]}]} for v in ("1", "2"))
    with ScriptedServer([(200, answer(one)), (200, answer(two))]) as server:
        series = wait_for(PrometheusClient(server.url), 'up{job="a"}', has_value(2), 5, poll=0.05)
    assert series == [({"job": "a"}, 2.0)]


def test_a_wait_that_gives_up_names_the_query_and_what_it_last_saw():
    one = {"resultType": "vector", "result": [{"metric": {"job": "a"}, "value": [1, "1"]}]}
    with ScriptedServer([(200, answer(one))]) as server, pytest.raises(PromQLTimeoutError) as caught:
        wait_for(PrometheusClient(server.url), 'up{job="a"}', has_value(2), 0.3, what="2", poll=0.05)
    assert "'up{job=\"a\"}' to be 2" in str(caught.value) and '{job="a"} 1' in str(caught.value)
