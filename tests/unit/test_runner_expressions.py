"""Argo's `when` (govaluate), retryStrategy.expression and depends (expr), evaluated with simpleeval as Argo
evaluates them after substitution; what the mapping cannot say is refused, not guessed."""
import pytest

from harness.runner.expressions import (ExpressionError, UnsupportedExpression, check_retry_expression, check_when,
                                        depends_holds, expand_depends, retry_expression_holds, when_holds)


@pytest.mark.parametrize("when, holds", [
    ("heads == heads", True),  # bare words are strings (steps.go shouldExecute)
    ("heads == tails", False),
    ("Failed != Succeeded", True),
    ("5 > 3", True),
    ("1.5 >= 1.50", True),  # numbers are float64
    ("'5' == 5", False),  # a string never equals a number
    ("true == true", True),
    ("!true == false", True),  # ! binds tighter than ==
    ("!(heads == tails)", True),
    ("heads == heads && tails != heads", True),
    ("heads == tails || odd == odd", True),
    ("hello =~ 'h.l+o'", True),  # regular expression search
    ("hello !~ '^x'", True),
    ("-1 < 0", True),
    ("3 + 4 == 7", True),
    ("'a' + 'b' == ab", True),
    ("", True),  # no `when`: the step runs
])
def test_when_evaluates_as_govaluate(when, holds):
    assert when_holds(when) is holds


@pytest.mark.parametrize("when, message", [
    ("hello world == x", "Cannot transition token types"),  # two words in a row: Python would join them
    ("a < 1", "cannot be used with the comparator '<'"),  # Go never compares a string with a number
    ("heads && true", "cannot be used with the logical operator '&&'"),
    ("example.com == x", "No parameter 'example' found"),  # govaluate reads a dotted word as a field access
    ("heads", "Expected boolean evaluation"),
    ("a @ b", "Invalid token: '@'"),
])
def test_a_when_argo_cannot_evaluate_is_an_error_naming_it(when, message):
    with pytest.raises(ExpressionError) as failed:
        when_holds(when)
    assert message in str(failed.value) and f"'when' expression '{when}'" in str(failed.value)


@pytest.mark.parametrize("when", ["a ? b : c", "x in (1, 2)", "x ** 2", "a == b == c", "2 & 3",
                                  "'2024-01-31' == x"])
def test_what_the_mapping_cannot_say_is_refused(when):
    with pytest.raises(UnsupportedExpression):
        check_when(when)


def test_a_when_is_checked_around_its_variables():
    check_when("{{steps.flip.outputs.result}} == heads && {{inputs.parameters.n}} > 2")
    with pytest.raises(UnsupportedExpression):
        check_when("{{steps.flip.outputs.result}} ?? heads")


FACTS = dict(retries=1, exit_code="2", status="Failed", duration=3.0, message="Error (exit code 2)")


@pytest.mark.parametrize("expression, holds", [
    ("asInt(lastRetry.exitCode) > 1", True),
    ("lastRetry.status != \"Error\"", True),
    ("asInt(lastRetry.duration) < 120", True),  # whole seconds, as Argo's timestamps give them
    ("lastRetry.message matches 'exit code [23]'", True),
    ("retries == '1'", True),  # Argo passes strings
    ("not (lastRetry.status == 'Failed') || retries == '0'", False),
    ("asInt(retries) < 1 and true", False),
])
def test_retry_expression_sees_the_last_attempt_as_expr_does(expression, holds):
    assert retry_expression_holds(expression, **FACTS) is holds


def test_a_retry_expression_comparing_a_string_with_a_number_fails_as_in_expr():
    with pytest.raises(ExpressionError, match="cannot be used with the comparator"):
        retry_expression_holds("retries < 2", **FACTS)


@pytest.mark.parametrize("expression", ["lastRetry.message contains 'x'", "retries in ['1']", "sprig.trim(x) == ''",
                                        "lastRetry.exitCode ?? 1", "unknown == 1"])
def test_retry_expressions_outside_the_mapping_are_refused(expression):
    with pytest.raises(UnsupportedExpression):
        check_retry_expression(expression)


def test_depends_expands_bare_names_with_continue_on():
    """ancestry.go expandDependency: Succeeded || Skipped || Daemoned, plus Errored/Failed per continueOn."""
    logic = expand_depends("A && (B.Failed || C)", lambda task: (False, task == "C"))
    assert logic == "(A.Succeeded || A.Skipped || A.Daemoned) && (B.Failed || " \
                    "(C.Succeeded || C.Skipped || C.Daemoned || C.Failed))"


def test_depends_reads_task_names_with_dashes():
    results = {"fetch-data": {"Succeeded": False, "Failed": True, "Skipped": False, "Daemoned": False}}
    assert depends_holds("fetch-data.Failed && !fetch-data.Succeeded", results)
    assert not depends_holds(expand_depends("fetch-data", lambda task: (False, False)), results)
