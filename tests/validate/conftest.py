"""Fixtures of the offline kind checks: one rendering of everything, shared."""
from __future__ import annotations

import pytest

from harness.kind import render


@pytest.fixture(scope="session")
def rendering() -> render.Rendering:
    """A fresh rendering (in a scratch dir) of every tenant-derived kind file."""
    return render.render()
