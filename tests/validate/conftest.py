"""Fixtures of the offline kind checks: one rendering of the generated files and, where the verified chart
cache is present (`make charts`), one render of the whole cluster by Helm's engine, shared."""
from __future__ import annotations

import os

import pytest

from harness.kind import charts, render, rendered

# Set by the kind CI job: there the cluster checks must run, never skip.
REQUIRE_CACHE = "SIMPLEPIPE_REQUIRE_CHART_CACHE"


@pytest.fixture(scope="session")
def rendering() -> render.Rendering:
    """A fresh rendering (in a scratch dir) of every tenant-derived kind file."""
    return render.render()


@pytest.fixture(scope="session")
def cluster() -> rendered.RenderedCluster:
    """Every release of platform/helmfile.yaml rendered from the verified charts, written to .state/kind/rendered."""
    if not charts.cache_present():
        reason = "no chart cache (.cache/charts): `make charts` assembles it from GitHub or git mirrors"
        if os.environ.get(REQUIRE_CACHE):
            pytest.fail(f"{reason} ({REQUIRE_CACHE} is set)")
        pytest.skip(reason)
    problems = charts.verify_cache()
    assert not problems, problems[0]
    result = rendered.render_cluster()
    rendered.write(result)
    return result
