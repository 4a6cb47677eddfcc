"""e2e fixtures: a platform per backend (local, kind) and the Given of a story.

Local backend: with SIMPLEPIPE_E2E_REQUIRE_RUNNING=1 (make e2e) the platform `make up` started
(.state/local/state.json), else a LocalPlatform of the session's own on free ports in a temp dir.
Kind backend: skipped with the reason when harness.kind or a reachable cluster is missing.
With the report plugin (make e2e: -p tests.support.e2e_report) the platform fixture writes the run's report
(<platform state>/e2e/index.html) at its end, while the platform is still up.
"""
from __future__ import annotations

import os

import pytest
from e2e_story import Given

from harness.paths import REPO_ROOT
from tests.support import e2e_report

BACKENDS = ["local", "kind"]


def _require_running() -> bool:
    return os.environ.get("SIMPLEPIPE_E2E_REQUIRE_RUNNING") == "1"


def _local_platform(tmp_path_factory):
    from harness.local import LocalPlatform
    from tests.support.throwaway import throwaway_platform

    if _require_running():
        platform = LocalPlatform(state_dir=REPO_ROOT / ".state" / "local")
        if not platform.is_up():
            pytest.fail(f"SIMPLEPIPE_E2E_REQUIRE_RUNNING=1 but the local platform is not up "
                        f"(state: {platform.state_dir}); run `make up` first", pytrace=False)
        yield platform
        return
    with throwaway_platform(tmp_path_factory.mktemp("local-platform")) as platform:
        yield platform


def _kind_platform():
    try:
        from harness.kind.cluster import kind_cluster_reachable
        from harness.kind.platform import KindPlatform
    except ImportError as exc:
        pytest.skip(f"kind backend not available: {exc}")
    reachable, why = kind_cluster_reachable()
    if not reachable:
        if _require_running():
            pytest.fail(f"SIMPLEPIPE_E2E_REQUIRE_RUNNING=1 but the kind platform is not reachable: {why}",
                        pytrace=False)
        pytest.skip(f"kind backend: {why}")
    platform = KindPlatform()
    try:
        yield platform
    finally:
        platform.close()


@pytest.fixture(scope="session", params=BACKENDS)
def platform(request, tmp_path_factory):
    """The platform of one backend, up for the whole session."""
    wanted = os.environ.get("SIMPLEPIPE_E2E_PLATFORM")
    if wanted and wanted != request.param:
        pytest.skip(f"SIMPLEPIPE_E2E_PLATFORM={wanted}")
    platforms = _local_platform(tmp_path_factory) if request.param == "local" else _kind_platform()
    platform = next(platforms)
    try:
        yield platform
        if e2e_report.active():
            e2e_report.write_report(platform)
    finally:
        next(platforms, None)  # its own end: a throwaway platform stops, a running one stays


@pytest.fixture
def given(platform, request) -> Given:
    return Given(platform, backend=request.node.callspec.params["platform"])
