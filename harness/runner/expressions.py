"""Argo's two expression languages, evaluated with simpleeval after Argo's `{{...}}` substitution.

- `when` of a step or task is govaluate (workflow/controller/steps.go `shouldExecute`): Argo substitutes the
  variables, then turns every bare word into a string, so `{{steps.flip.outputs.result}} == heads` compares
  two strings;
- `retryStrategy.expression` and a task's `depends` are expr (util/expr/argoexpr): the expression sees
  `retries` and `lastRetry.exitCode|status|duration|message` (strings, workflow/controller/operator.go
  buildRetryStrategyLocalScope), or every dependency's `.Succeeded`, `.Failed`, ... (dag.go evaluateDependsLogic).

Each language is read token by token and written as a Python expression that simpleeval parses; the
operators are simpleeval's hooks, given the Go semantics (types are never mixed: `"1" == 1` is false,
`"a" < 1` is an error, `&&` needs booleans). The mapping (docs/runner.md repeats it):

    Argo                               Python given to simpleeval    evaluated as
    &&  ||   (expr also: and, or)      and  or                       both sides booleans, short-circuit
    !   (expr also: not)               ~                             boolean negation of the next operand
                                                                     (Go binds it tighter than comparisons)
    == != < <= > >=                    the same                      Go comparison (numbers or strings)
    + - * / %   unary -                the same                      Go arithmetic (+ also joins strings)
    =~ !~ (govaluate)                  in, not in                    regular expression search
    matches (expr)                     is                            regular expression search
    'text' "text"                      a Python string               -
    a bare word (govaluate)            a Python string               as Argo turns variables into strings
    true false (nil in expr)           True False (None)             -
    asInt int asFloat float string len (expr) calls                 expr's builtins
    name.Field (expr)                  attribute access              retries, lastRetry.*, task results

Anything else (ternaries, `??`, `in`, `**`, bitwise operators, time literals, arrays, sprig, jsonpath,
chained comparisons like `a == b == c`) is refused: before the workflow runs when the text outside the
`{{...}}` has it, else when the substituted text has it (the node then ends Error, naming the reason).
"""
from __future__ import annotations

import ast
import math
import re
import unicodedata
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Callable

from simpleeval import InvalidExpression, SimpleEval

from harness.runner.items import go_float

_VARIABLE = re.compile(r"\{\{.*?\}\}", re.DOTALL)


class ExpressionError(ValueError):
    """An expression could not be evaluated: the node ends Error with this message, as in Argo."""


class UnsupportedExpression(ExpressionError):
    """An expression uses something outside the mapping above."""


@dataclass(frozen=True)
class _Token:
    kind: str  # value | open | close | prefix | binary | name | field | dot | call | comma
    python: str


# --- govaluate (when) ----------------------------------------------------------------------------------

_GOVALUATE_BINARY = {"&&": " and ", "||": " or ", "==": "==", "!=": "!=", ">": ">", ">=": ">=", "<": "<",
                     "<=": "<=", "=~": " in ", "!~": " not in ", "+": "+", "-": "-", "*": "*", "/": "/", "%": "%"}
_GOVALUATE_REFUSED = {"**": "the power operator", "&": "bitwise operators", "|": "bitwise operators",
                      "^": "bitwise operators", "<<": "bitwise operators", ">>": "bitwise operators",
                      "~": "bitwise operators", "?": "the ternary operator", ":": "the ternary operator",
                      "??": "the ?? operator"}
# govaluate's own time literals (parsing.go tryParseTime): a quoted date becomes a time.Time.
_TIME_LITERAL = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}(:\d{2}){0,2}.*)?$|^\d{1,2}:\d{2}(AM|PM)$|"
                           r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) ")


def _is_letter(ch: str) -> bool:
    return unicodedata.category(ch).startswith("L")


def _govaluate_tokens(text: str) -> list[_Token]:
    """parsing.go readToken for the mapped subset; bare words become strings, as shouldExecute makes them."""
    tokens: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch.isdigit() or ch == ".":
            if text.startswith(("0x", "0X"), i):
                raise UnsupportedExpression("hexadecimal numbers: not mapped")
            j = i
            while j < n and (text[j].isdigit() or text[j] == "."):
                j += 1
            try:
                tokens.append(_Token("value", repr(float(text[i:j]))))
            except ValueError:
                raise ExpressionError(f"Unable to parse numeric value '{text[i:j]}' to float64") from None
            i = j
        elif ch == "[":
            j = text.find("]", i)
            if j < 0:
                raise ExpressionError("Unclosed parameter bracket")
            tokens.append(_Token("value", repr(text[i + 1:j])))
            i = j + 1
        elif _is_letter(ch):
            j = i
            while j < n and (_is_letter(text[j]) or text[j].isdigit() or text[j] in "_."):
                j += 1
            word, i = text[i:j], j
            if word in ("true", "false"):
                tokens.append(_Token("value", "True" if word == "true" else "False"))
            elif word in ("in", "IN"):
                raise UnsupportedExpression("the `in` operator: not mapped")
            elif "." in word:
                # govaluate reads `a.B` as an accessor of a parameter; Argo passes none, so it cannot evaluate.
                raise ExpressionError(f"No parameter '{word.split('.')[0]}' found (govaluate reads {word!r} "
                                      "as a field access; quote it to compare it as text)")
            else:
                tokens.append(_Token("value", repr(word)))
        elif ch in "'\"":
            value, i = _quoted(text, i, "'\"")
            if _TIME_LITERAL.match(value):
                raise UnsupportedExpression(f"govaluate reads {value!r} as a time; time literals: not mapped")
            tokens.append(_Token("value", repr(value)))
        elif ch in "()":
            tokens.append(_Token("open" if ch == "(" else "close", ch))
            i += 1
        else:
            j = i
            while j < n and not (text[j].isspace() or text[j].isdigit() or _is_letter(text[j]) or text[j] in "()[]'\""):
                j += 1
            symbol, i = text[i:j], j
            if symbol in _GOVALUATE_REFUSED:
                raise UnsupportedExpression(f"{_GOVALUATE_REFUSED[symbol]} ({symbol!r}): not mapped")
            prefix_position = not tokens or tokens[-1].kind in ("open", "prefix", "binary")
            if prefix_position and symbol in ("!", "-"):
                tokens.append(_Token("prefix", "~" if symbol == "!" else "-"))
            elif symbol in _GOVALUATE_BINARY:
                tokens.append(_Token("binary", _GOVALUATE_BINARY[symbol]))
            else:
                raise ExpressionError(f"Invalid token: '{symbol}'")
    return tokens


def _quoted(text: str, start: int, terminators: str) -> tuple[str, int]:
    """A quoted literal from `start`; a backslash escapes the next character (govaluate readUntilFalse)."""
    out, i = [], start + 1
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
            continue
        if ch in terminators:
            return "".join(out), i + 1
        out.append(ch)
        i += 1
    raise ExpressionError("Unclosed string literal")


# --- expr (retryStrategy.expression, depends) ------------------------------------------------------------

_EXPR_WORDS = {"and": ("binary", " and "), "or": ("binary", " or "), "not": ("prefix", "~"),
               "true": ("value", "True"), "false": ("value", "False"), "nil": ("value", "None"),
               "matches": ("binary", " is ")}
_EXPR_SYMBOLS = {"&&": " and ", "||": " or ", "==": "==", "!=": "!=", ">": ">", ">=": ">=", "<": "<", "<=": "<=",
                 "+": "+", "-": "-", "*": "*", "/": "/", "%": "%"}
_EXPR_REFUSED_WORDS = {"in", "contains", "startsWith", "endsWith", "let", "if", "else", "sprig", "jsonpath",
                       "toJson", "all", "any", "none", "one", "filter", "map", "count", "sum"}
_PYTHON_KEYWORDS = {"if", "else", "elif", "for", "while", "def", "class", "return", "import", "from", "as", "pass",
                    "with", "try", "except", "finally", "raise", "del", "global", "nonlocal", "assert", "yield",
                    "lambda", "is", "None", "True", "False", "break", "continue", "async", "await", "in", "not",
                    "and", "or"}
_NAME_PREFIX = "v_"  # expr names are renamed so that none is a Python keyword


def _expr_tokens(text: str, functions: set[str]) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch.isdigit():
            match = re.compile(r"\d+(\.\d+)?([eE][-+]?\d+)?").match(text, i)
            literal = match.group(0)
            tokens.append(_Token("value", literal if match.group(1) or match.group(2) else str(int(literal))))
            i = match.end()
        elif ch in "'\"":
            value, i = _expr_string(text, i)
            tokens.append(_Token("value", repr(value)))
        elif ch.isalpha() or ch in "_$":
            j = i
            while j < n and (text[j].isalnum() or text[j] in "_$"):
                j += 1
            word, i = text[i:j], j
            after_dot = bool(tokens) and tokens[-1].kind == "dot"
            if after_dot:
                if word in _PYTHON_KEYWORDS:
                    raise UnsupportedExpression(f"the field name {word!r}: not mapped")
                tokens.append(_Token("field", word))
            elif word == "not" and re.compile(r"\s+(in|matches)\b").match(text, i):
                operator = re.compile(r"\s+(in|matches)\b").match(text, i)
                if operator.group(1) == "in":
                    raise UnsupportedExpression("the `not in` operator: not mapped")
                tokens.append(_Token("binary", " is not "))
                i = operator.end()
            elif word in _EXPR_WORDS:
                kind, python = _EXPR_WORDS[word]
                tokens.append(_Token(kind, python))
            elif word in _EXPR_REFUSED_WORDS:
                raise UnsupportedExpression(f"`{word}`: not mapped")
            elif word in functions and text[i:].lstrip().startswith("("):
                tokens.append(_Token("call", word))
            else:
                tokens.append(_Token("name", _NAME_PREFIX + word))
        elif ch == "." and i + 1 < n and text[i + 1] != ".":
            if not tokens or tokens[-1].kind not in ("name", "field", "close"):
                raise ExpressionError("unexpected '.'")
            tokens.append(_Token("dot", "."))
            i += 1
        elif ch in "()":
            tokens.append(_Token("open" if ch == "(" else "close", ch))
            i += 1
        elif ch == ",":
            tokens.append(_Token("comma", ","))
            i += 1
        else:
            symbol = text[i:i + 2] if text[i:i + 2] in _EXPR_SYMBOLS or text[i:i + 2] in ("**", "??", "?.", "..") \
                else ch
            i += len(symbol)
            prefix_position = not tokens or tokens[-1].kind in ("open", "prefix", "binary", "comma")
            if prefix_position and symbol in ("!", "-"):
                tokens.append(_Token("prefix", "~" if symbol == "!" else "-"))
            elif symbol in _EXPR_SYMBOLS:
                tokens.append(_Token("binary", _EXPR_SYMBOLS[symbol]))
            else:
                raise UnsupportedExpression(f"the operator {symbol!r}: not mapped")
    return tokens


def _expr_string(text: str, start: int) -> tuple[str, int]:
    quote, i = text[start], start + 1
    while i < len(text) and text[i] != quote:
        i += 2 if text[i] == "\\" else 1
    if i >= len(text):
        raise ExpressionError("literal not terminated")
    try:
        return ast.literal_eval(text[start:i + 1]), i + 1
    except (ValueError, SyntaxError) as exc:
        raise ExpressionError(f"invalid string literal {text[start:i + 1]}: {exc}") from None


# --- tokens -> Python -> simpleeval ----------------------------------------------------------------------

def _python(tokens: list[_Token]) -> str:
    """The tokens as Python source, refusing two operands in a row (govaluate: "Cannot transition token types";
    Python would silently join two adjacent string literals)."""
    if not tokens:
        raise ExpressionError("empty expression")
    operand_ended = False
    for token in tokens:
        if token.kind in ("value", "open", "prefix", "call", "name") and operand_ended:
            raise ExpressionError(f"Cannot transition token types: unexpected {token.python.strip()!r}")
        operand_ended = token.kind in ("value", "close", "name", "field")
    return "".join(token.python for token in tokens)


def _go_type(value: object) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return type(value).__name__


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _equal(left: object, right: object) -> bool:
    if _is_number(left) and _is_number(right):
        return left == right
    return _go_type(left) == _go_type(right) and left == right


def _ordering(symbol: str, compare: Callable[[object, object], bool]):
    def operator(left: object, right: object) -> bool:
        if (_is_number(left) and _is_number(right)) or (isinstance(left, str) and isinstance(right, str)):
            return compare(left, right)
        raise ExpressionError(f"Value '{_go_text(left)}' cannot be used with the comparator '{symbol}', "
                              "it is not a number")
    return operator


def _arithmetic(symbol: str, compute: Callable[[float, float], float]):
    def operator(left: object, right: object) -> object:
        if symbol == "+" and (isinstance(left, str) or isinstance(right, str)) and \
                isinstance(left, (str, int, float)) and isinstance(right, (str, int, float)):
            return _go_text(left) + _go_text(right)
        if not (_is_number(left) and _is_number(right)):
            bad = right if _is_number(left) else left
            raise ExpressionError(f"Value '{_go_text(bad)}' cannot be used with the modifier '{symbol}', "
                                  "it is not a number")
        return compute(left, right)
    return operator


def _divide(left: float, right: float) -> float:
    if right == 0:  # float64 division in Go: no error
        return math.nan if left == 0 or math.isnan(left) else math.copysign(math.inf, left) * math.copysign(1, right)
    return left / right


def _regex(left: object, right: object) -> bool:
    if not (isinstance(left, str) and isinstance(right, str)):
        raise ExpressionError(f"Value '{_go_text(left)}' cannot be matched against '{_go_text(right)}': "
                              "regular expressions need strings")
    try:
        return re.search(right, left) is not None
    except re.error as exc:
        raise ExpressionError(f"Unable to compile regexp pattern '{right}': {exc}") from None


def _negate(value: object) -> float:
    if not _is_number(value):
        raise ExpressionError(f"Value '{_go_text(value)}' cannot be used with the prefix '-'")
    return -value


def _invert(value: object) -> bool:
    if not isinstance(value, bool):
        raise ExpressionError(f"Value '{_go_text(value)}' cannot be used with the prefix '!'")
    return not value


def _unary_plus(value: object) -> object:
    raise UnsupportedExpression("a unary +: not mapped")


def _go_text(value: object) -> str:
    """fmt's %v of a value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return go_float(value) if math.isfinite(value) else ("NaN" if math.isnan(value) else
                                                            ("+Inf" if value > 0 else "-Inf"))
    return "<nil>" if value is None else str(value)


_OPERATORS = {
    ast.Eq: _equal, ast.NotEq: lambda a, b: not _equal(a, b),
    ast.Gt: _ordering(">", lambda a, b: a > b), ast.GtE: _ordering(">=", lambda a, b: a >= b),
    ast.Lt: _ordering("<", lambda a, b: a < b), ast.LtE: _ordering("<=", lambda a, b: a <= b),
    ast.Add: _arithmetic("+", lambda a, b: a + b), ast.Sub: _arithmetic("-", lambda a, b: a - b),
    ast.Mult: _arithmetic("*", lambda a, b: a * b), ast.Div: _arithmetic("/", _divide),
    ast.Mod: _arithmetic("%", lambda a, b: math.fmod(a, b) if b else math.nan),
    ast.USub: _negate, ast.Invert: _invert, ast.UAdd: _unary_plus,
    ast.In: _regex, ast.NotIn: lambda a, b: not _regex(a, b),  # govaluate's =~ and !~
    ast.Is: _regex, ast.IsNot: lambda a, b: not _regex(a, b),  # expr's matches
}


def _expr_int(value: object) -> int:
    """expr's int()/asInt(): a number truncated, a string as strconv.Atoi reads it."""
    if _is_number(value):
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"[-+]?\d+", value):
        return int(value)
    raise ExpressionError(f"invalid operation: int({_go_text(value)!r})")


def _expr_float(value: object) -> float:
    if _is_number(value):
        return float(value)
    try:
        return float(value) if isinstance(value, str) and value.strip() == value else _bad_float(value)
    except ValueError:
        return _bad_float(value)


def _bad_float(value: object) -> float:
    raise ExpressionError(f"invalid operation: float({_go_text(value)!r})")


def _expr_to_string(value: object) -> str:
    if isinstance(value, float):
        raise UnsupportedExpression("string() of a float: not mapped")
    return _go_text(value)


EXPR_FUNCTIONS = {"asInt": _expr_int, "int": _expr_int, "asFloat": _expr_float, "float": _expr_float,
                  "string": _expr_to_string, "len": lambda v: len(v) if isinstance(v, str) else _bad_len(v)}


def _bad_len(value: object) -> int:
    raise ExpressionError(f"invalid argument for len (type {_go_type(value)})")


class _GoEval(SimpleEval):
    """simpleeval with Go's boolean operators and without chained comparisons."""

    def __init__(self, names: dict | None = None, functions: dict | None = None):
        super().__init__(operators=_OPERATORS, functions=functions or {}, names=names or {})
        allowed = (ast.Expr, ast.Constant, ast.BoolOp, ast.Compare, ast.BinOp, ast.UnaryOp, ast.Name,
                   ast.Attribute, ast.Call)
        self.nodes = {kind: handler for kind, handler in self.nodes.items() if kind in allowed}

    def _eval_boolop(self, node):
        symbol = "&&" if isinstance(node.op, ast.And) else "||"
        result = None
        for value in node.values:
            result = self._eval(value)
            if not isinstance(result, bool):
                raise ExpressionError(f"Value '{_go_text(result)}' cannot be used with the logical operator "
                                      f"'{symbol}', it is not a bool")
            if result is (symbol == "||"):
                return result
        return result

    def _eval_compare(self, node):
        if len(node.ops) > 1:
            raise UnsupportedExpression("chained comparisons (a == b == c): not mapped")
        return super()._eval_compare(node)


def _check_nodes(source: str, evaluator: _GoEval) -> ast.AST:
    try:
        tree = evaluator.parse(source)
    except SyntaxError as exc:
        raise ExpressionError(f"cannot parse: {exc.msg}") from None
    for node in ast.walk(tree):
        if not isinstance(node, tuple(evaluator.nodes)) and not isinstance(node, (ast.operator, ast.unaryop,
                                                                                  ast.cmpop, ast.boolop,
                                                                                  ast.expr_context)):
            raise UnsupportedExpression(f"{type(node).__name__}: not mapped")
        if isinstance(node, ast.Compare) and len(node.ops) > 1:
            raise UnsupportedExpression("chained comparisons (a == b == c): not mapped")
    return tree


def _evaluate_bool(source: str, evaluator: _GoEval, original: str) -> bool:
    tree = _check_nodes(source, evaluator)
    try:
        result = evaluator.eval(source, previously_parsed=tree)
    except ExpressionError:
        raise
    except (InvalidExpression, TypeError, ValueError, ZeroDivisionError, AttributeError) as exc:
        raise ExpressionError(str(exc)) from None
    if not isinstance(result, bool):
        raise ExpressionError(f"Expected boolean evaluation for '{original}'. Got {_go_text(result)}")
    return result


# --- the three uses --------------------------------------------------------------------------------------

def _placeholders(text: str, word: str = "x") -> str:
    """The text with each `{{...}}` replaced by a word, to check what the expression itself uses."""
    return _VARIABLE.sub(word, text)


def check_when(text: str) -> None:
    """Refuse a `when` whose own text (the `{{...}}` aside) is outside the mapping."""
    _check_nodes(_python(_govaluate_tokens(_placeholders(text))), _GoEval())


def when_holds(text: str) -> bool:
    """shouldExecute: an empty `when` runs the step; else the substituted text must evaluate to a boolean."""
    if text == "":
        return True
    try:
        return _evaluate_bool(_python(_govaluate_tokens(text)), _GoEval(), text)
    except UnsupportedExpression as exc:
        raise UnsupportedExpression(f"'when' expression '{text}': {exc} by the local workflow runner") from None
    except ExpressionError as exc:
        raise ExpressionError(f"Invalid 'when' expression '{text}': {exc}") from None


RETRY_NAMES = ("retries", "lastRetry")


def check_retry_expression(text: str) -> None:
    tokens = _expr_tokens(_placeholders(text, "retries"), set(EXPR_FUNCTIONS))
    _check_nodes(_python(tokens), _GoEval(functions=EXPR_FUNCTIONS))
    unknown = {t.python[len(_NAME_PREFIX):] for t in tokens if t.kind == "name" and t.python.startswith(_NAME_PREFIX)}
    unknown -= set(RETRY_NAMES)
    if unknown:
        raise UnsupportedExpression(f"unknown name(s) {sorted(unknown)}: a retry expression sees "
                                    f"{', '.join(RETRY_NAMES)}")


def retry_expression_holds(text: str, retries: int, exit_code: str, status: str, duration: float,
                           message: str) -> bool:
    """retryStrategy.expression with the last attempt's facts, all strings as Argo passes them."""
    names = {_NAME_PREFIX + "retries": str(retries),
             _NAME_PREFIX + "lastRetry": SimpleNamespace(exitCode=exit_code, status=status,
                                                         duration=_go_text(float(duration)), message=message)}
    source = _python(_expr_tokens(text, set(EXPR_FUNCTIONS)))
    try:
        return _evaluate_bool(source, _GoEval(names=names, functions=EXPR_FUNCTIONS), text)
    except UnsupportedExpression as exc:
        raise UnsupportedExpression(f"retryStrategy.expression '{text}': {exc} by the local workflow runner") from None
    except ExpressionError as exc:
        raise ExpressionError(f"unable to evaluate expression '{text}': {exc}") from None


# --- depends ---------------------------------------------------------------------------------------------

TASK_RESULTS = ("Succeeded", "Failed", "Errored", "Skipped", "Omitted", "Daemoned", "AnySucceeded", "AllFailed")
# workflow/common/ancestry.go: a task name with a result, or a bare task name.
_DEPENDS_NAME = re.compile(r"([a-zA-Z0-9][-a-zA-Z0-9]*?\.[A-Z][a-zA-Z]+)|([a-zA-Z0-9][-a-zA-Z0-9]*)")


def depends_tasks(depends: str) -> list[tuple[str, str | None]]:
    """(task, result or None) for every name in a `depends` expression, in order."""
    found = []
    for match in _DEPENDS_NAME.finditer(depends):
        if match.group(1):
            task, result = match.group(1).split(".", 1)
            found.append((task, result))
        else:
            found.append((match.group(2), None))
    return found


def expand_depends(depends: str, continue_on: Callable[[str], tuple[bool, bool]]) -> str:
    """GetTaskDependencies: a bare task name means `(T.Succeeded || T.Skipped || T.Daemoned)`, plus
    `T.Errored` / `T.Failed` when T has continueOn error / failed (`continue_on(task)` -> (error, failed))."""
    def expanded(match: re.Match) -> str:
        if match.group(1):
            return match.group(0)
        task = match.group(2)
        error, failed = continue_on(task)
        results = ["Succeeded", "Skipped", "Daemoned"] + (["Errored"] if error else []) + (["Failed"] if failed else [])
        return "(" + " || ".join(f"{task}.{r}" for r in results) + ")"
    return _DEPENDS_NAME.sub(expanded, depends)


def check_depends(logic: str) -> None:
    tokens = _expr_tokens(logic.replace("-", "_"), set())
    _check_nodes(_python(tokens), _GoEval())


def depends_holds(logic: str, results: dict[str, dict[str, bool]]) -> bool:
    """evaluateDependsLogic: the expanded logic over each dependency's results ('-' in names read as '_')."""
    names = {_NAME_PREFIX + task.replace("-", "_"): SimpleNamespace(**flags) for task, flags in results.items()}
    source = _python(_expr_tokens(logic.replace("-", "_"), set()))
    try:
        return _evaluate_bool(source, _GoEval(names=names), logic)
    except ExpressionError as exc:
        raise ExpressionError(f"unable to evaluate expression '{logic.replace('-', '_')}': {exc}") from None


__all__ = ["ExpressionError", "UnsupportedExpression", "check_when", "when_holds", "check_retry_expression",
           "retry_expression_holds", "depends_tasks", "expand_depends", "check_depends", "depends_holds",
           "TASK_RESULTS"]
