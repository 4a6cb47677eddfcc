"""Properties of hostile input: whatever the bytes or the nesting, `simplepipe validate` ends with exit 0 or
a documented exit code and one line on stderr, never a traceback, within a deadline; and what Simplepipe
renders as text reads back as the same metrics."""
import contextlib
import io
import json
import math

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simplepipe import formats
from simplepipe.cli import main
from simplepipe.formats.simplepipe_list import FIELDS

DOCUMENTED_EXIT_CODES = {0, 2, 3}
FORMAT_FLAGS = [[]] + [["--format", f] for f in formats.FORMATS]
HOSTILE = settings(deadline=2000, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("hostile")


def validate(path, flags) -> tuple[int, list[str]]:
    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        code = main(["validate", str(path), *flags])
    return code, err.getvalue().splitlines()


def assert_clean(code: int, lines: list[str]) -> None:
    assert code in DOCUMENTED_EXIT_CODES, (code, lines)
    assert not any("Traceback" in line for line in lines), lines
    if code == 0:
        assert lines == []
    else:
        assert len(lines) == 1 and lines[0].startswith("simplepipe: error: "), lines


scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=20),
                    st.sampled_from(["NaN", "+Inf", "-Inf", "1e309", "1_000", "٣", "0.5", "0.50", "gauge",
                                     "counter", "summary", "histogram", "info", "COUNTER", "GAUGE", "TIMER", ""]))
nested = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.text(max_size=8) | st.sampled_from(sorted(FIELDS)), inner, max_size=4),
                      max_leaves=30)
# Shaped like the formats' items, so that conversion (not only detection) meets the hostile values.
items = st.dictionaries(st.sampled_from(sorted(FIELDS | {"key", "type", "tags", "numberValue", "format"})),
                        nested, max_size=7)
documents = st.one_of(nested, st.lists(items, max_size=5), st.fixed_dictionaries({"metrics": st.lists(items, max_size=5)}))
# Characters that matter to the text format, to reach deep into its parser.
exposition_text = st.text(st.sampled_from(list('ab_:{}=",\\ \t\n\r#01.5e+-InfNaHELPTYPEcountergauge\u2028ü')),
                          max_size=200)


class _NoAliases(yaml.SafeDumper):
    def ignore_aliases(self, data):
        return True


@HOSTILE
@given(data=st.binary(max_size=3000), flags=st.sampled_from(FORMAT_FLAGS))
def test_arbitrary_bytes(workdir, data, flags):
    path = workdir / "bytes.in"
    path.write_bytes(data)
    assert_clean(*validate(path, flags))


@HOSTILE
@given(data=documents, as_yaml=st.booleans(), flags=st.sampled_from(FORMAT_FLAGS))
def test_arbitrary_json_and_yaml_documents(workdir, data, as_yaml, flags):
    path = workdir / ("doc.yaml" if as_yaml else "doc.json")
    path.write_text(yaml.dump(data, Dumper=_NoAliases, allow_unicode=True) if as_yaml else json.dumps(data))
    assert_clean(*validate(path, flags))


@HOSTILE
@given(depth=st.integers(min_value=1, max_value=20_000), opener=st.sampled_from(["[", '{"a":', "- ", "a:\n "]),
       closed=st.booleans())
def test_arbitrary_nesting(workdir, depth, opener, closed):
    closer = {"[": "]", '{"a":': "}"}.get(opener, "") if closed else ""
    if opener.startswith(("-", "a")):  # YAML block nesting: each level indents one step more
        text = "".join(" " * i + opener.strip() + "\n" for i in range(min(depth, 3000)))
    else:
        text = opener * depth + "1" + closer * depth
    path = workdir / "deep.in"
    path.write_text(text)
    assert_clean(*validate(path, []))


@HOSTILE
@given(text=exposition_text, flags=st.sampled_from([[], ["--format", "prometheus"]]))
def test_arbitrary_exposition_like_text(workdir, text, flags):
    path = workdir / "text.prom"
    path.write_bytes(text.encode("utf-8"))
    assert_clean(*validate(path, flags))


label_values = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
help_texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)
values = st.floats(allow_nan=True, allow_infinity=True)


@settings(deadline=2000)
@given(series=st.lists(st.tuples(st.dictionaries(st.sampled_from(["a", "b", "le_x", "v"]), label_values, max_size=3),
                                 values), min_size=1, max_size=5),
       help_text=help_texts, kind=st.sampled_from(["gauge", "counter"]))
def test_what_is_rendered_reads_back_the_same(series, help_text, kind):
    seen, items = set(), []
    for labels, value in series:
        key = frozenset((k, v) for k, v in labels.items() if v)
        if key in seen:
            continue
        seen.add(key)
        items.append({"name": "m", "description": help_text, "labels": labels, "metric_type": kind,
                      "value": abs(value) if kind == "counter" and not math.isnan(value) else value})
    if kind == "counter":
        items = [i for i in items if not math.isnan(i["value"])] or [{"name": "m", "value": 1, "metric_type": kind}]
    once = formats.from_data(items, source="x")
    text = once.to_exposition()
    again = formats.parse(text.decode("utf-8"), source="dry-run.prom")
    assert again.to_exposition() == text
    for ours, theirs in zip(once, again):
        assert (ours.name, ours.type, ours.help) == (theirs.name, theirs.type, theirs.help)
        assert [s.labels for s in ours.series] == [s.labels for s in theirs.series]
