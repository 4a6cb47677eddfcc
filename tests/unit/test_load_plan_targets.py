"""The load plan's targets in the cluster: passwords only in files (the load's Secret), read when the plan is
loaded, never written into a plan; a missing or unreadable file names the tenant and the file."""
from __future__ import annotations

import json

import pytest

from load.plan import LoadPlan, LoadPlanError, TenantTarget, load_targets


def test_a_password_is_read_from_its_file_and_not_saved_into_the_plan(tmp_path):
    secret = tmp_path / "alice"
    secret.write_text("s3cret-pw\n")
    targets = tmp_path / "targets.json"
    targets.write_text(json.dumps([{"name": "alice", "url": "http://gw:9091", "username": "alice",
                                    "password_file": str(secret)}]))
    [alice] = load_targets(targets)
    assert alice.password == "s3cret-pw"
    saved = LoadPlan(run_id="r", out_dir=str(tmp_path), tenants=[alice], ship_to_master=True).save(tmp_path / "p.json")
    assert "s3cret-pw" not in saved.read_text()
    loaded = LoadPlan.load(saved)
    assert loaded.tenants[0].password == "s3cret-pw" and loaded.ship_to_master
    # A plan made on this machine keeps its password (no file): what load.run writes locally.
    local = LoadPlan(run_id="r", out_dir=str(tmp_path), tenants=[TenantTarget("bob", "http://x", "bob", "pw")])
    assert LoadPlan.load(local.save(tmp_path / "local.json")).tenants[0].password == "pw"


def test_a_missing_password_file_or_a_bad_targets_file_is_one_line_naming_it(tmp_path):
    targets = tmp_path / "targets.json"
    targets.write_text(json.dumps([{"name": "alice", "url": "http://gw:9091", "username": "alice",
                                    "password_file": str(tmp_path / "gone")}]))
    with pytest.raises(LoadPlanError, match=f"tenant alice: password_file {tmp_path / 'gone'}: cannot read it"):
        load_targets(targets)
    targets.write_text(json.dumps([{"name": "alice", "uri": "http://gw"}]))
    with pytest.raises(LoadPlanError, match="not a list of load targets"):
        load_targets(targets)
