"""Reading our static charts' manifests as Helm will emit them: the inverse of harness.kind.render.helm_escape."""
from __future__ import annotations

from harness.kind.render import helm_escape

ESCAPED_BRACES = helm_escape("{{")


def helm_unescape(text: str) -> str:
    """What Helm's engine renders from a manifest written with helm_escape: `{{ "{{" }}` back to `{{`."""
    return text.replace(ESCAPED_BRACES, "{{")
