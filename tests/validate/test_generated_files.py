"""The committed kind files are the ones the renderer makes from tenants.yaml."""
from __future__ import annotations

import yaml

from harness.kind import constants, render
from harness.local import LocalPlatform
from harness.local.prometheus import prometheus_config
from harness.tenants import load_tenants
from tests.support.tenants import one_more_tenant


def test_committed_kind_files_match_a_fresh_rendering():
    stale = render.stale_files()
    assert not stale, "stale generated kind files, run `python -m harness.kind.render`: " + ", ".join(stale)


def test_stale_check_notices_a_tenant_added_to_tenants_yaml(tmp_path):
    tenants = load_tenants()
    extra = one_more_tenant(tenants)
    stale = render.stale_files(tenants=[*tenants, extra])
    assert "helmfile.yaml" in stale
    assert f"k8s/tenants/{extra.name}/kustomization.yaml" in stale


def test_kind_and_local_backends_derive_the_same_tenants_from_tenants_yaml(rendering, tmp_path):
    tenants = load_tenants()
    names = sorted(t.name for t in tenants)
    # kind: a Pushgateway release, a tenant release and a tenant folder for each tenant, no more, no fewer
    helmfile = yaml.safe_load(rendering.files[constants.HELMFILE])
    releases = {r["name"] for r in helmfile["releases"]}
    assert sorted(r[len("pushgateway-"):] for r in releases if r.startswith("pushgateway-")) == names
    assert {f"tenant-{n}" for n in names} <= releases
    assert sorted({name.split("/")[2] for name in rendering.files if name.startswith("k8s/tenants/")}) == names
    # local: a platform given no tenants scrapes exactly those tenants' Pushgateways, on their local_port
    local = LocalPlatform(state_dir=tmp_path)
    config = prometheus_config(local.tenants, local.ports.pushgateways, {}, scrape_interval="2s",
                               evaluation_interval="2s")
    assert sorted(job["job_name"] for job in config["scrape_configs"]) == sorted(t.scrape_job for t in tenants)
    assert local.ports.pushgateways == {t.name: t.local_port for t in tenants}
