"""What every test shares: its layer as a marker, and how hard hypothesis tries.

Each test is marked with the folder it lives in (unit, integration, validate, e2e), so that `-m` selects
the same tests as the folder does; markers are strict (pyproject.toml). Hypothesis runs 50 examples per
property while developing and 200 in CI (CI=true, as .ci/run sets it)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

LAYERS = ("unit", "integration", "validate", "e2e")
TESTS_DIR = Path(__file__).resolve().parent

settings.register_profile("dev", max_examples=50)
settings.register_profile("ci", max_examples=200)
settings.load_profile("ci" if os.environ.get("CI", "").lower() in ("1", "true", "yes") else "dev")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        layer = Path(item.path).resolve().relative_to(TESTS_DIR).parts[0]
        if layer in LAYERS:
            item.add_marker(getattr(pytest.mark, layer))
