"""Our own charts (platform/k8s/**/chart, generated) through Helm's engine in every run, CI included: no
upstream chart needed. Helm renders each to exactly the manifests committed, and `helm lint --strict` passes."""
from __future__ import annotations

import shutil

import pytest
import yaml

from harness.kind import helm_engine, rendered
from harness.kind.constants import PLATFORM_DIR
from tests.support.helm_text import helm_unescape

CHARTS = sorted(PLATFORM_DIR.glob("k8s/**/chart"))
# Charts without values: their manifests are exactly what Helm renders (the load chart, which takes the run's
# values, is held to harness/kind/load_chart.py in test_kind_load_chart.py).
STATIC = [chart for chart in CHARTS if not (chart / "values.yaml").is_file()]
RELEASES = {r.chart: r for r in rendered.load_releases()}
KUBE = rendered.kube_version()


def test_every_own_chart_is_a_release():
    assert CHARTS and all(chart.resolve() in RELEASES for chart in CHARTS)


@pytest.mark.parametrize("chart", STATIC, ids=lambda c: c.relative_to(PLATFORM_DIR).parent.as_posix())
def test_helm_renders_our_chart_to_the_committed_manifests(chart):
    release = RELEASES[chart.resolve()]
    out = rendered.render_release(release, list(rendered.builtin_api_versions("1.36")), KUBE)
    committed = [d for d in yaml.safe_load_all(helm_unescape((chart / "templates" / "manifests.yaml").read_text())) if d]
    assert [o.obj for o in out] == [
        {**d, "metadata": {**d["metadata"], "namespace": d["metadata"].get("namespace", release.namespace)}}
        if d.get("kind") not in rendered.CLUSTER_SCOPED else d for d in committed]


@pytest.mark.parametrize("chart", CHARTS, ids=lambda c: c.relative_to(PLATFORM_DIR).parent.as_posix())
def test_helm_lint_passes_on_our_chart(chart):
    assert helm_engine.lint(chart, KUBE) == []


def test_a_broken_chart_fails_lint_and_render(tmp_path):
    chart = tmp_path / "chart"
    shutil.copytree(PLATFORM_DIR / "k8s" / "argo" / "chart", chart)
    (chart / "templates" / "manifests.yaml").write_text("{{ .Values.missing.field }}\n")
    assert any("nil pointer" in line or "missing" in line for line in helm_engine.lint(chart, KUBE))
    release = rendered.Release(name="broken", namespace="argo", chart=chart)
    with pytest.raises(rendered.RenderFailed, match="release argo/broken"):
        rendered.render_release(release, [], KUBE)


def test_the_engine_takes_the_node_version_and_the_clusters_api_versions(tmp_path):
    chart = tmp_path / "capabilities"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: capabilities\nversion: 0.1.0\n")
    (chart / "templates" / "cm.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n"
        "  kube: {{ .Capabilities.KubeVersion.Version | quote }}\n"
        "  monitors: {{ .Capabilities.APIVersions.Has \"monitoring.coreos.com/v1/ServiceMonitor\" | quote }}\n")
    with_crd = helm_engine.render(chart, {}, name="c", namespace="n", kube_version="v1.36.1",
                                  api_versions=["monitoring.coreos.com/v1/ServiceMonitor"])
    without = helm_engine.render(chart, {}, name="c", namespace="n", kube_version="v1.30.2", api_versions=[])
    assert yaml.safe_load(with_crd["capabilities/templates/cm.yaml"])["data"] == {"kube": "v1.36.1", "monitors": "true"}
    assert yaml.safe_load(without["capabilities/templates/cm.yaml"])["data"] == {"kube": "v1.30.2", "monitors": "false"}


def test_values_merge_like_helm_files_in_order_then_set(tmp_path):
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    first.write_text("server: {port: 1, args: [a, b]}\nkeep: yes\n")
    second.write_text("server: {args: [c]}\n")
    release = rendered.Release(name="r", namespace="n", chart=tmp_path, values=(first, second, {"extra": {"x": 1}}),
                               sets=(("server.port", 2), ("extra.y", "z")))
    assert rendered.release_values(release) == {"server": {"port": 2, "args": ["c"]}, "keep": True,
                                                "extra": {"x": 1, "y": "z"}}
