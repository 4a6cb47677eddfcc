"""Reading metric names and Grafana variables out of PromQL."""
from __future__ import annotations

import pytest

from dashboards.expressions import UnknownVariableError, expand
from tests.support.promql_expressions import PromQLReadError, metric_names


@pytest.mark.parametrize(("expr", "names"), [
    ('sum by (tenant) (rate(pushgateway_http_requests_total{handler="push"}[$__rate_interval]))',
     {"pushgateway_http_requests_total"}),
    ('label_replace(up{job=~"pushgateway-.*"}, "tenant", "$1", "job", "pushgateway-(.*)")', {"up"}),
    ("push_failure_time_seconds > on (job, instance) group_left () push_time_seconds",
     {"push_failure_time_seconds", "push_time_seconds"}),
    ("max without (instance) (a) / ignoring (b) c offset 5m", {"a", "c"}),
    ('count by (tenant) ({tenant!=""})', set()),
    ("(time() - push_time_seconds) > bool 90000 and push_time_seconds > 0", {"push_time_seconds"}),
    ("topk(3, sum_over_time(x[1h]))", {"x"}),
])
def test_metric_names(expr, names):
    assert metric_names(expr) == names


def test_unbalanced_expression_is_an_error():
    with pytest.raises(PromQLReadError, match="unbalanced"):
        metric_names('up{job="a"')


def test_expand_substitutes_grafana_variables_but_not_regex_groups():
    expr = 'label_replace(up{job=~"pushgateway-($tenant)"}[$__rate_interval], "t", "$1", "job", "(.*)") ${tenant}'
    assert expand(expr, {"tenant": ".*", "__rate_interval": "8s"}) == (
        'label_replace(up{job=~"pushgateway-(.*)"}[8s], "t", "$1", "job", "(.*)") .*')


def test_expand_names_a_missing_variable():
    with pytest.raises(UnknownVariableError, match=r"\$tenant"):
        expand('up{tenant=~"$tenant"}', {})
