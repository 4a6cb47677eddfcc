"""harness.promql.PrometheusClient against a scripted HTTP server: what it sends, and its typed errors."""
import json
import urllib.parse

import pytest
from scripted_server import ScriptedServer

from harness.local.settings import free_port
from harness.promql import PrometheusClient, PrometheusQueryError, PrometheusUnreachableError

pytestmark = pytest.mark.integration


def answer(data) -> str:
    return json.dumps({"status": "success", "data": data})


def test_an_instant_query_at_a_time_is_a_form_post():
    vector = {"resultType": "vector", "result": [{"metric": {"job": "a"}, "value": [12.5, "1"]}]}
    with ScriptedServer([(200, answer(vector))]) as server:
        result = PrometheusClient(server.url).query('up{job="a"}', time=12.5)
    assert result == vector["result"]
    request = server.requests[0]
    assert (request["method"], request["path"]) == ("POST", "/api/v1/query")
    assert urllib.parse.parse_qs(request["body"].decode()) == {"query": ['up{job="a"}'], "time": ["12.500"]}


def test_range_queries_and_label_values_send_prometheus_parameters():
    with ScriptedServer([(200, answer({"resultType": "matrix", "result": []})), (200, answer(["b", "a"]))]) as server:
        client = PrometheusClient(server.url)
        assert client.query_range("up", 10, 70, 15) == []
        assert client.label_values("tenant", "push_time_seconds", 10, 70) == ["a", "b"]
    query_range, label_values = server.requests
    assert urllib.parse.parse_qs(query_range["body"].decode()) == {
        "query": ["up"], "start": ["10.000"], "end": ["70.000"], "step": ["15"]}
    path, _, query = label_values["path"].partition("?")
    assert (label_values["method"], path) == ("GET", "/api/v1/label/tenant/values")
    assert urllib.parse.parse_qs(query) == {"start": ["10.000"], "end": ["70.000"], "match[]": ["push_time_seconds"]}


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
