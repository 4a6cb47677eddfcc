"""Property: any valid spec, pushed to a real Pushgateway and read back through /api/v1/metrics,
equals what went in (names, types, help, labels and every value, NaN and infinities included)."""
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pushgateway_server import expected, running, same

from simplepipe import Pushgateway
from simplepipe.formats import from_data

label_names = st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True).map(lambda s: f"l_{s}")
# Any Unicode text except surrogates (not encodable as UTF-8).
label_values = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
label_sets = st.dictionaries(label_names, label_values, max_size=3)
help_texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)
any_float = st.floats(allow_nan=True, allow_infinity=True)
finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12)
counts = st.integers(min_value=0, max_value=10**6)


@st.composite
def series_payload(draw, metric_type):
    if metric_type == "gauge":
        return {"value": draw(any_float)}
    if metric_type == "counter":
        return {"value": draw(st.one_of(counts, st.floats(min_value=0, allow_nan=False)))}
    if metric_type == "info":
        return {"value": draw(st.dictionaries(label_names, label_values, min_size=1, max_size=2))}
    if metric_type == "summary":
        quantiles = draw(st.dictionaries(st.floats(min_value=0, max_value=1).map(str), any_float, max_size=3))
        return {"count": draw(counts), "sum": draw(any_float), "quantiles": quantiles}
    bounds = draw(st.lists(finite, min_size=0, max_size=4, unique=True).map(sorted))
    if draw(st.booleans()):
        return {"buckets": bounds, "observations": draw(st.lists(finite, max_size=6))}
    per_bucket = draw(st.lists(st.integers(0, 50), min_size=len(bounds) + 1, max_size=len(bounds) + 1))
    cumulative = [sum(per_bucket[: i + 1]) for i in range(len(per_bucket))]
    return {"buckets": bounds, "bucket_counts": cumulative, "sum": draw(finite), "count": cumulative[-1]}


def _series_key(labels: dict) -> tuple:
    # An empty label value is no label (Prometheus' rule): {"a": ""} and {} are the same series.
    return tuple(sorted((k, v) for k, v in labels.items() if v))


@st.composite
def specs(draw):
    items = []
    for index in range(draw(st.integers(min_value=1, max_value=4))):
        metric_type = draw(st.sampled_from(["gauge", "counter", "summary", "histogram", "info"]))
        # The index keeps names (and their _sum/_count/_bucket series) distinct across metrics.
        name = f"m{index}_" + draw(st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True))
        help_text = draw(help_texts)
        for labels in draw(st.lists(label_sets, min_size=1, max_size=3, unique_by=_series_key)):
            payload = draw(series_payload(metric_type))
            if metric_type == "info" and set(payload["value"]) & set(labels):
                continue
            items.append({"name": name, "description": help_text, "metric_type": metric_type,
                          "labels": labels, **payload})
    return items


@pytest.fixture(scope="module")
def roundtrip_gateway():
    # Its own gateway: examples reuse names with other types, which must not meet other tests' groups.
    with running("simplepipe-pgw-prop-") as gateway:
        yield gateway


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(items=specs())
def test_what_goes_in_comes_back(roundtrip_gateway, items):
    assume(items)  # every info item may clash with its labels and be left out: nothing to push is refused
    metrics = from_data(items, "simplepipe", "property")
    client = Pushgateway(roundtrip_gateway.url, identity=None, retries=0)
    client.push(metrics, "roundtrip")
    try:
        back = roundtrip_gateway.read_back("roundtrip")
        want = expected(metrics)
        assert same(back, want), f"\nsent: {metrics.to_exposition().decode()}\nback: {back}\nwant: {want}"
    finally:
        client.delete("roundtrip")
