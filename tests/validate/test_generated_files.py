"""The committed kind files are the ones the renderer makes from tenants.yaml."""
from __future__ import annotations

import yaml

from harness import tenants as tenants_module
from harness.kind import render
from harness.tenants import load_tenants


def test_committed_kind_files_match_a_fresh_rendering():
    stale = render.stale_files()
    assert not stale, "stale generated kind files, run `python -m harness.kind.render`: " + ", ".join(stale)


def test_stale_check_notices_a_tenant_added_to_tenants_yaml(tmp_path):
    tenants = load_tenants()
    extra = tenants[0].__class__(name="carol", namespace="carol", username="carol", password="pw", local_port=1)
    stale = render.stale_files(tenants=[*tenants, extra])
    assert "helmfile.yaml" in stale
    assert "k8s/tenants/carol/kustomization.yaml" in stale


def test_kind_and_local_backends_read_the_same_tenants_file(rendering):
    # Both backends load tenants through harness.tenants, from this one file ...
    assert render.load_tenants is tenants_module.load_tenants
    assert tenants_module.TENANTS_FILE == render.PLATFORM_DIR / "tenants.yaml"
    # ... and the kind files hold exactly the tenants it lists, no more, no fewer.
    names = [t.name for t in load_tenants()]
    helmfile = yaml.safe_load(rendering.files[render.HELMFILE])
    releases = {r["name"] for r in helmfile["releases"]}
    assert {f"pushgateway-{n}" for n in names} | {f"tenant-{n}" for n in names} <= releases
    assert sorted(r[len("pushgateway-"):] for r in releases if r.startswith("pushgateway-")) == sorted(names)
    generated_tenants = {name.split("/")[2] for name in rendering.files if name.startswith("k8s/tenants/")}
    assert generated_tenants == set(names)
    # The local backend has no tenant list of its own.
    local = yaml.safe_load((render.PLATFORM_DIR / "local" / "platform.yaml").read_text())
    assert "tenants" not in local
