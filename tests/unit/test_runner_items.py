"""Loop items as Argo names and substitutes them (operator.go processItem, generateNodeName, expandSequence),
and the JSON lists that aggregate a fanned-out step's outputs (processAggregateNodeOutputs)."""
import pytest

from harness.runner.items import (ItemError, aggregated_parameter, aggregated_results, expanded_name, go_float,
                                  go_json, item_substitutions, parse_json_list, sequence)


@pytest.mark.parametrize("value, text", [(1.0, "1"), (0.1, "0.1"), (0.001, "0.001"), (1.5e-05, "0.000015"),
                                         (1e-07, "1e-7"), (1e21, "1e+21"), (123456789.0, "123456789")])
def test_floats_print_as_go_prints_them(value, text):
    assert go_float(value) == text


def test_json_as_go_marshals_it():
    assert go_json({"b": 1, "a": "<x&y>", "c": [True, None, 0.5]}) == \
        '{"a":"\\u003cx\\u0026y\\u003e","b":1,"c":[true,null,0.5]}'


@pytest.mark.parametrize("item, name, value", [
    ("hello world", "print(0:hello world)", "hello world"),
    (3, "print(0:3)", "3"),
    (0.1, "print(0:0.1)", "0.1"),
    (True, "print(0:true)", "true"),
    ({"tag": "9.1", "image": "debian"}, "print(0:image:debian,tag:9.1)", '{"image":"debian","tag":"9.1"}'),
    (["a", 1], "print(0:[\"a\",1])", '["a",1]'),
    ("f(x)", "print(0:fx)", "f(x)"),  # parentheses are dropped from the name only
])
def test_an_item_names_its_node_and_fills_item(item, name, value):
    assert expanded_name("print", 0, item) == name
    assert item_substitutions(item)["item"] == value


def test_a_map_item_fills_its_keys():
    assert item_substitutions({"image": "debian", "tag": 9.1}) == {
        "item": '{"image":"debian","tag":9.1}', "item.image": "debian", "item.tag": "9.1"}


def test_with_param_keeps_numbers_as_written():
    items = parse_json_list('[1, 2.50, "x", {"n": 1.0}]')
    assert [item_substitutions(i)["item"] for i in items] == ["1", "2.50", "x", '{"n":1.0}']
    assert expanded_name("s", 1, items[1]) == "s(1:2.50)"


@pytest.mark.parametrize("text", ["not json", '{"a": 1}'])
def test_with_param_must_be_a_json_list(text):
    with pytest.raises(ItemError, match="withParam value could not be parsed as a JSON list"):
        parse_json_list(text)


@pytest.mark.parametrize("count, start, end, fmt, items", [
    ("3", None, None, None, ["0", "1", "2"]),
    (None, "100", "102", None, ["100", "101", "102"]),
    (None, "2", "0", None, ["2", "1", "0"]),  # counts down
    ("2", "200", None, None, ["200", "201"]),
    ("0", None, None, None, []),
    ("2", None, None, "testuser%02X", ["testuser00", "testuser01"]),
])
def test_with_sequence_as_expand_sequence(count, start, end, fmt, items):
    assert sequence(count, start, end, fmt) == items


def test_aggregated_parameters_parse_json_maps_and_lists_else_stay_strings():
    assert aggregated_parameter(["1", "2"]) == '["1","2"]'
    assert aggregated_parameter(['{"n": 1}', '{"n": 2}']) == '[{"n":1},{"n":2}]'
    assert aggregated_parameter(['{"n": 1}', "2"]) == '["{\\"n\\": 1}","2"]'


def test_aggregated_results_are_json_or_an_error():
    assert aggregated_results(["1", '{"a": "b"}', "[1, 2.50]"]) == '[1,{"a":"b"},[1,2.50]]'
    with pytest.raises(ItemError, match="must be JSON"):
        aggregated_results(["hello"])
