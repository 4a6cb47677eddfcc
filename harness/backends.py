"""The backends a platform can be built on, and `create(name)`: the one place that knows them all.

Kept apart from harness.platform (the interface) so that the interface imports no backend and each
backend imports only the interface."""
from __future__ import annotations

from typing import Any

from harness.kind.platform import KindPlatform
from harness.local.platform import LocalPlatform
from harness.platform import Platform

BACKENDS: dict[str, type[Platform]] = {"local": LocalPlatform, "kind": KindPlatform}
PLATFORMS = tuple(BACKENDS)


def create(name: str, **options: Any) -> Platform:
    """The platform of backend `name` (local or kind), without starting anything."""
    try:
        backend = BACKENDS[name]
    except KeyError:
        raise ValueError(f"unknown platform {name!r}; one of: {', '.join(PLATFORMS)}") from None
    return backend(**options)
