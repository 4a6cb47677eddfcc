"""Hostile and mistaken input: refused with exit 3 and one line, in bounded memory, never an empty push."""
import io
import json
import os
import sys
import threading
import tracemalloc

import pytest

from simplepipe import MetricCollector, formats
from simplepipe.cli import main
from simplepipe.errors import InvalidMetricsError, SimplepipeError, UsageError
from simplepipe.formats import documents
from simplepipe.limits import DEFAULT_MAX_BYTES, MAX_DEPTH, InputLimits
from simplepipe.pushgateway import Pushgateway
from simplepipe.spec import MetricSet

SEED = [{"name": "example_metric", "description": "metric for example purposes", "value": 0, "metric_type": "gauge"}]
# Nothing listens on port 1: a test that reached the network would fail with exit 4, not 3.
NOWHERE = "http://127.0.0.1:1"
MEMORY_BOUND = 50 * 1024 * 1024
BILLION_LAUGHS = "\n".join(
    ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    + [f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]" for i in range(8)]) + "\n"


@pytest.fixture(autouse=True)
def no_environment(monkeypatch):
    for name in ("SIMPLEPIPE_PUSHGATEWAY_URL", "PUSH_GATEWAY_HOSTNAME", "ARGO_WORKFLOW_NAME", "ARGO_NODE_ID",
                 "ARGO_TEMPLATE", "SIMPLEPIPE_MAX_INPUT_BYTES"):
        monkeypatch.delenv(name, raising=False)


def cli(capsys, *argv):
    """Exit code and the stderr lines of one in-process run."""
    code = main(list(argv))
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, err.splitlines()


def refused(capsys, *argv, match):
    code, lines = cli(capsys, *argv)
    assert code == 3, lines
    assert len(lines) == 1 and match in lines[0], lines
    return lines[0]


def peak_memory(action):
    tracemalloc.start()
    try:
        action()
    except SimplepipeError:
        pass
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


# -- item 1: nothing to push never wipes a group ----------------------------------------------------
EMPTY = {"empty.json": "", "blank.yaml": "  \n\n\t\n", "comments.yaml": "# only a comment\n# another\n",
         "list.json": "[]", "kubeflow.json": '{"metrics": []}', "help.prom": "# HELP a something\n# HELP b other\n",
         "type.prom": "# TYPE a gauge\n", "yaml-list.yaml": "[]\n", "seldon.yaml": "---\n"}


@pytest.mark.parametrize("name", sorted(EMPTY))
def test_a_file_without_metrics_is_refused_by_validate_and_push(tmp_path, capsys, name):
    path = tmp_path / name
    path.write_text(EMPTY[name])
    line = refused(capsys, "validate", str(path), match="holds no metrics")
    assert str(path) in line
    refused(capsys, "push", str(path), "--job", "j", "--url", NOWHERE, "--retries", "0", match="holds no metrics")


def test_empty_stdin_is_refused(capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"")))
    refused(capsys, "push", "-", "--job", "j", "--url", NOWHERE, "--retries", "0", match="<stdin>: holds no metrics")


def test_an_empty_file_name_is_refused_not_read_as_text(capsys):
    # `simplepipe push "$FILE"` with FILE unset.
    refused(capsys, "push", "", "--job", "j", "--url", NOWHERE, "--retries", "0", match="no file given")
    refused(capsys, "validate", "  ", match="no file given")


def test_legacy_app_py_refuses_an_empty_file(tmp_path, capsys, monkeypatch):
    from simplepipe.app import legacy_main

    path = tmp_path / "metric-in.json"
    path.write_text("[]")
    monkeypatch.setenv("PUSH_GATEWAY_HOSTNAME", NOWHERE.removeprefix("http://"))
    assert legacy_main([str(path), "simple"]) == 3
    assert "holds no metrics" in capsys.readouterr().err


def test_the_sdk_refuses_an_empty_list():
    with pytest.raises(InvalidMetricsError, match="holds no metrics"):
        MetricCollector(NOWHERE, identity=None, retries=0).parse_and_push(metrics=[], job_name="j")


@pytest.mark.parametrize("body", [MetricSet("built"), [], b"", b"\n  \n", b"# HELP a x\n# TYPE a gauge\n"])
@pytest.mark.parametrize("method", ["push", "pushadd"])
def test_the_client_refuses_an_empty_body_before_connecting(body, method):
    with Pushgateway(NOWHERE, identity=None, retries=0) as gateway:
        with pytest.raises(InvalidMetricsError, match="holds no metrics"):
            getattr(gateway, method)(body, "j")


# -- item 5: bounded input -----------------------------------------------------------------------------
def test_a_file_over_the_limit_is_refused_and_one_at_the_limit_is_read(tmp_path, capsys):
    body = json.dumps(SEED)
    path = tmp_path / "m.json"
    path.write_text(body + " " * (1024 - len(body)))
    assert cli(capsys, "validate", str(path), "--max-input-size", "1KiB")[0] == 0
    path.write_text(body + " " * (1025 - len(body)))
    line = refused(capsys, "validate", str(path), "--max-input-size", "1KiB", match="larger than the input limit")
    assert "1 KiB" in line and "--max-input-size" in line


def test_the_environment_sets_the_limit_and_the_flag_wins(tmp_path, capsys, monkeypatch):
    path = tmp_path / "m.json"
    path.write_text(json.dumps(SEED * 1) + " " * 2000)
    monkeypatch.setenv("SIMPLEPIPE_MAX_INPUT_BYTES", "1024")
    refused(capsys, "validate", str(path), match="1 KiB")
    assert cli(capsys, "validate", str(path), "--max-input-size", "4KiB")[0] == 0


@pytest.mark.parametrize("size", ["0", "-1", "1.5MiB", "lots", "8MB", ""])
def test_a_bad_size_is_a_usage_error(tmp_path, capsys, monkeypatch, size):
    path = tmp_path / "m.json"
    path.write_text(json.dumps(SEED))
    code, lines = cli(capsys, "validate", str(path), f"--max-input-size={size}")
    assert code == 2 and len(lines) == 1 and "is not a size" in lines[0], lines
    if size:
        monkeypatch.setenv("SIMPLEPIPE_MAX_INPUT_BYTES", size)
        with pytest.raises(UsageError, match="SIMPLEPIPE_MAX_INPUT_BYTES"):
            InputLimits.from_environ()


def test_the_default_limit_is_a_few_mib():
    assert InputLimits.from_environ() == InputLimits(DEFAULT_MAX_BYTES, MAX_DEPTH)
    assert 1024 ** 2 <= DEFAULT_MAX_BYTES <= 16 * 1024 ** 2


def test_dev_zero_is_refused_reading_only_up_to_the_limit(capsys):
    peak = peak_memory(lambda: formats.load("/dev/zero", limits=InputLimits(1024 ** 2)))
    assert peak < 4 * 1024 ** 2
    refused(capsys, "validate", "/dev/zero", match="larger than the input limit of 8 MiB")


def test_a_huge_non_metrics_file_is_refused_in_small_memory(tmp_path, capsys):
    path = tmp_path / "huge.log"
    with open(path, "wb") as out:
        out.truncate(67 * 1024 ** 2)  # sparse: 67 MB that cost no disk
    peak = peak_memory(lambda: formats.load(path))
    assert peak < MEMORY_BOUND
    refused(capsys, "validate", str(path), match="larger than the input limit")


def test_endless_stdin_is_refused(capsys, monkeypatch):
    class Endless(io.RawIOBase):
        def readable(self):
            return True

        def readinto(self, buffer):
            buffer[:] = b"a" * len(buffer)
            return len(buffer)

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BufferedReader(Endless())))
    refused(capsys, "validate", "-", "--max-input-size", "64KiB", match="<stdin>: larger than the input limit")


def test_a_fifo_with_an_endless_writer_is_refused(tmp_path, capsys):
    fifo = tmp_path / "metrics.fifo"
    os.mkfifo(fifo)

    def write_forever():
        try:
            with open(fifo, "wb") as out:
                while True:
                    out.write(b"x" * 65536)
        except BrokenPipeError:
            pass  # the reader stopped at the limit: what we want

    writer = threading.Thread(target=write_forever, daemon=True)
    writer.start()
    refused(capsys, "validate", str(fifo), "--max-input-size", "256KiB", match="larger than the input limit")
    writer.join(timeout=10)
    assert not writer.is_alive(), "the writer should see the pipe closed once the limit is reached"


DEEP = {"deep.json": "[" * 10_000 + "]" * 10_000, "open.json": "[" * 10_000,
        "objects.json": '{"a":' * 10_000 + "1" + "}" * 10_000, "flow.yaml": "a: " + "[" * 10_000 + "]" * 10_000,
        "block.yaml": "".join(f"{' ' * i}- \n" for i in range(0, 2000, 2)),
        "mappings.yaml": "".join(f"{' ' * i}k:\n" for i in range(0, 4000, 2))}


@pytest.mark.parametrize("name", sorted(DEEP))
def test_deep_nesting_is_refused_without_recursion_error(tmp_path, capsys, name):
    path = tmp_path / name
    path.write_text(DEEP[name])
    line = refused(capsys, "validate", str(path), match=str(path))
    assert "nested more than" in line or "invalid" in line, line


def test_nesting_at_the_limit_is_parsed_and_one_more_is_refused():
    documents.load_json("[" * MAX_DEPTH + "]" * MAX_DEPTH, "x.json", MAX_DEPTH)
    with pytest.raises(InvalidMetricsError, match="nested more than 32"):
        documents.load_json("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), "x.json", MAX_DEPTH)
    documents.load_yaml("[" * MAX_DEPTH + "]" * MAX_DEPTH, "x.yaml", MAX_DEPTH)
    with pytest.raises(InvalidMetricsError, match="nested more than 32"):
        documents.load_yaml("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), "x.yaml", MAX_DEPTH)


def test_brackets_inside_json_strings_are_not_nesting():
    text = json.dumps([{"name": "a", "value": 1, "description": "[" * 100 + "{" * 100}])
    assert not documents.too_deep(text, 2) and documents.too_deep(text, 1)
    assert formats.parse(text)["a"].help == "[" * 100 + "{" * 100


def test_billion_laughs_is_refused_in_small_memory(tmp_path, capsys):
    path = tmp_path / "laughs.yaml"
    path.write_text(BILLION_LAUGHS)
    peak = peak_memory(lambda: formats.load(path))
    assert peak < MEMORY_BOUND
    line = refused(capsys, "validate", str(path), match="anchors and aliases")
    assert "line 1" in line


@pytest.mark.parametrize("text", ["- &x {name: a, value: 1}\n- *x\n", "- name: a\n  value: &v 1\n",
                                  "- <<: {name: a}\n  value: 1\n"])
def test_yaml_anchors_aliases_and_merge_keys_are_refused(text):
    with pytest.raises(InvalidMetricsError, match="YAML (anchors|merge)"):
        formats.parse(text, source="m.yaml")


# -- item 6: duplicates -------------------------------------------------------------------------------
@pytest.mark.parametrize("text, where", [
    ('[{"name": "a", "value": 1, "name": "b"}]', "item 0 (name 'b'): field 'name'"),
    ('[{"name": "a", "value": 1}, {"name": "b", "value": 1, "labels": {"x": "1", "x": "2"}}]',
     "item 1 (name 'b'): field 'labels.x'"),
    ('{"metrics": [{"name": "a", "numberValue": 1, "numberValue": 2}]}', "item 0 (name 'a'): field 'numberValue'"),
    ("- name: a\n  value: 1\n  value: 2\n", "item 0 line 3 (name 'a'): field 'value'"),
    ("- name: a\n  value: 1\n- name: b\n  value: 1\n  labels: {x: '1', x: '2'}\n", "item 1 line 5 (name 'b')"),
])
def test_duplicate_keys_are_refused_naming_key_and_item(text, where):
    with pytest.raises(InvalidMetricsError, match="duplicate key") as error:
        formats.parse(text, source="m")
    assert where in str(error.value)


@pytest.mark.parametrize("text", ['d 1\nd{a=""} 2\n', 'd{a="", b="x"} 1\nd{b="x"} 2\n'])
def test_an_empty_label_value_is_the_same_series_as_no_label(text):
    with pytest.raises(InvalidMetricsError, match="duplicate series"):
        formats.parse(text, source="m.prom")


def test_an_empty_label_value_in_a_list_is_a_duplicate_and_is_not_pushed():
    with pytest.raises(InvalidMetricsError, match="item 1.*duplicate series"):
        formats.from_data([{"name": "d", "value": 1}, {"name": "d", "value": 2, "labels": {"a": ""}}])
    assert formats.from_data([{"name": "d", "value": 1, "labels": {"a": ""}}]).to_exposition().endswith(b"\nd 1\n")


@pytest.mark.parametrize("quantiles", [{"0.5": 1, "0.50": 2}, {"0.5": 1, "5e-1": 2}, {0.5: 1, "0.5": 2}])
def test_the_same_quantile_spelled_twice_is_refused(quantiles):
    with pytest.raises(InvalidMetricsError, match="same quantile"):
        formats.from_data([{"name": "s", "metric_type": "summary", "count": 2, "sum": 3, "quantiles": quantiles}])


def test_the_same_quantile_spelled_twice_in_text_is_refused():
    text = '# TYPE s summary\ns{quantile="0.5"} 1\ns{quantile="0.50"} 1\ns_sum 1\ns_count 1\n'
    with pytest.raises(InvalidMetricsError, match="line 3.*duplicate quantile"):
        formats.parse(text, source="m.prom")


# -- item 9: the SDK raises the library's errors ------------------------------------------------------
@pytest.mark.parametrize("content", [b"\xff\xfe[not utf-8", b"[" * 10_000, BILLION_LAUGHS.encode()])
def test_load_and_push_raises_the_cli_message(tmp_path, capsys, content):
    path = tmp_path / "metrics.yaml"
    path.write_bytes(content)
    line = refused(capsys, "validate", str(path), match=str(path))
    collector = MetricCollector(NOWHERE, identity=None, retries=0)
    for source in (str(path), path):
        with pytest.raises(InvalidMetricsError) as error:
            collector.load_and_push(source, "j")
        assert f"simplepipe: error: {error.value}" == line
    for mode, errors in (("rb", None), ("r", None), ("r", "surrogateescape")):
        with open(path, mode, errors=errors) as fp:
            with pytest.raises(InvalidMetricsError):
                collector.load_and_push(fp, "j")


def test_load_and_push_reads_an_open_file_within_the_limit(monkeypatch):
    monkeypatch.setenv("SIMPLEPIPE_MAX_INPUT_BYTES", "1KiB")
    with pytest.raises(InvalidMetricsError, match="larger than the input limit"):
        MetricCollector(NOWHERE, identity=None, retries=0).load_and_push(io.BytesIO(b" " * 5000), "j")


# -- item 11: names, numbers and the text format -------------------------------------------------------
@pytest.mark.parametrize("name", ["[1].json", "{a}.json", "#1.json", "# HELP x"])
def test_file_names_that_look_like_text_are_opened_as_files(tmp_path, capsys, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    (tmp_path / name).write_text(json.dumps(SEED))
    assert cli(capsys, "validate", name)[0] == 0
    os.remove(tmp_path / name)
    refused(capsys, "validate", name, match=f"{name}: no such file")


@pytest.mark.parametrize("raw", ["1_000", "١٢", "٣", "infinity", "Infinity", "inf", "nan", "+nan", "0x10", " 1",
                                 "1 ", "", "1e", ".", "--1", "+-1", "1.2.3", "1e309", "-1e309", "1" * 400])
def test_only_documented_numbers_are_accepted(raw):
    with pytest.raises(InvalidMetricsError, match="field 'value'"):
        formats.from_data([{"name": "g", "value": raw}])


@pytest.mark.parametrize("raw, expected", [("1", 1.0), ("-1.5", -1.5), (".5", 0.5), ("5.", 5.0), ("1e3", 1000.0),
                                           ("+2E-2", 0.02), ("Inf", float("inf")), ("+Inf", float("inf")),
                                           ("-Inf", float("-inf")), ("1e308", 1e308)])
def test_documented_numbers_are_accepted(raw, expected):
    assert formats.from_data([{"name": "g", "value": raw}])["g"].series[0].value == expected


@pytest.mark.parametrize("text", ['[{"name": "c", "metric_type": "counter", "value": 1e309}]',
                                  '[{"name": "c", "metric_type": "counter", "value": "1e309"}]',
                                  "- {name: c, metric_type: counter, value: 1.0e+309}\n",
                                  '[{"name": "g", "value": 1' + "0" * 400 + "}]",
                                  'c_total 1e309\n'])
def test_an_overflow_is_not_silently_infinity(text):
    with pytest.raises(InvalidMetricsError, match="too large for a 64-bit float"):
        formats.parse(text, source="m")


@pytest.mark.parametrize("text", ['[{"name": "g", "value": Infinity}]', '[{"name": "g", "value": "+Inf"}]',
                                  "- {name: g, value: .inf}\n", "g +Inf\n"])
def test_an_infinity_written_out_is_accepted(text):
    assert formats.parse(text, source="m")["g"].series[0].value == float("inf")


@pytest.mark.parametrize("value", ["a\rb", "a\u2028b", "tab\there", "quote\"back\\slash\nnewline", "ünï©ødé\u2029"])
def test_label_values_round_trip_through_the_text_format(value):
    once = formats.from_data([{"name": "g", "value": 1, "labels": {"v": value}}])
    again = formats.parse(once.to_exposition().decode("utf-8"), source="dry-run.prom")
    assert again["g"].series[0].labels == {"v": value}
    assert again.to_exposition() == once.to_exposition()


@pytest.mark.parametrize("escape", ["\\t", "\\r", "\\u2028", "\\x41", "\\'"])
def test_escapes_outside_the_text_format_are_refused(escape):
    with pytest.raises(InvalidMetricsError, match="invalid escape"):
        formats.parse(f'g{{v="a{escape}b"}} 1\n', source="m.prom")


def test_text_that_is_clearly_exposition_is_never_tried_as_yaml(monkeypatch):
    def no_yaml(*args):
        raise AssertionError("exposition text was parsed as YAML")

    monkeypatch.setattr(documents, "load_yaml", no_yaml)
    assert formats.parse("# comment\n# TYPE g gauge\ng 1\n")["g"]
    assert formats.parse("g{a=\"b\"} 1\n")["g"]
    with pytest.raises(InvalidMetricsError, match="line 2"):
        formats.parse("g 1\n" + "not: a metric\n" * 10_000)


def test_sdk_data_of_any_depth_gives_a_short_message():
    deep: list = []
    for _ in range(100_000):
        deep = [deep]
    for item in ({"name": deep, "value": 1}, {"name": "g", "value": deep}, {"name": "g", "value": 1, "labels": deep},
                 {"name": "g", "metric_type": deep, "value": 1}, deep):
        with pytest.raises(InvalidMetricsError) as error:
            formats.from_data([item])
        assert len(str(error.value)) < 400
    with pytest.raises(InvalidMetricsError, match="tag"):
        formats.from_data([{"type": "GAUGE", "key": "k", "value": 1, "tags": {"t": deep}}])
