"""Grafana variables in PromQL: the expression as Grafana sends it, every variable replaced by its value."""
from __future__ import annotations

import re

# Names start with a letter or '_': `$1` in label_replace is a regex group, not a variable.
_VARIABLE = re.compile(r"\$\{([A-Za-z_]\w*)(?::[^}]*)?\}|\$([A-Za-z_]\w*)|\[\[([A-Za-z_]\w*)\]\]")


class UnknownVariableError(KeyError):
    """An expression uses a Grafana variable nobody gave a value for."""

    def __str__(self) -> str:
        return f"no value for Grafana variable ${self.args[0]} in: {self.args[1]}"


def expand(expr: str, values: dict[str, str]) -> str:
    """The expression with every Grafana variable replaced by its value, as Grafana would send it."""

    def value_of(match: re.Match[str]) -> str:
        name = next(g for g in match.groups() if g)
        if name not in values:
            raise UnknownVariableError(name, expr)
        return values[name]

    return _VARIABLE.sub(value_of, expr)
