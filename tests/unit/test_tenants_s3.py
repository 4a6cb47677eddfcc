"""tenants.yaml: each tenant's S3 identity and bucket, and the names the platform keeps for itself."""
from __future__ import annotations

import pytest
import yaml

from harness.tenants import TenantsFileError, load_tenants


def tenants_file(tmp_path, *entries: dict):
    path = tmp_path / "tenants.yaml"
    path.write_text(yaml.safe_dump({"tenants": list(entries)}))
    return path


def entry(name: str, port: int, **extra) -> dict:
    return {"name": name, "pushgateway": {"username": name, "password": "pw", "local_port": port}, **extra}


def test_s3_keys_come_from_the_s3_block_or_are_derived_from_the_name(tmp_path):
    alice, bob = load_tenants(tenants_file(
        tmp_path, entry("alice", 1, s3={"access_key": "AKALICE", "secret_key": "alice-secret"}), entry("bob", 2)))
    assert (alice.s3_access_key, alice.s3_secret_key, alice.artifact_bucket) == \
        ("AKALICE", "alice-secret", "argo-artifacts-alice")
    assert (bob.s3_access_key, bob.s3_secret_key, bob.artifact_bucket) == \
        ("bob-artifacts", "bob-s3-demo-secret", "argo-artifacts-bob")


def test_two_tenants_cannot_share_an_s3_access_key(tmp_path):
    path = tenants_file(tmp_path, entry("alice", 1, s3={"access_key": "bob-artifacts", "secret_key": "x"}),
                        entry("bob", 2))
    with pytest.raises(TenantsFileError, match="share s3_access_key: bob-artifacts"):
        load_tenants(path)


def test_the_administrators_name_is_reserved(tmp_path):
    with pytest.raises(TenantsFileError, match=r"tenants\[1\]\.name: 'administrator' is reserved"):
        load_tenants(tenants_file(tmp_path, entry("alice", 1), entry("administrator", 2)))


def test_an_s3_block_that_is_not_a_mapping_is_refused_naming_it(tmp_path):
    with pytest.raises(TenantsFileError, match=r"tenants\[0\]\.s3: 'AKALICE:secret' is not of type 'object'"):
        load_tenants(tenants_file(tmp_path, entry("alice", 1, s3="AKALICE:secret")))


def test_one_more_tenant_clashes_with_none_of_the_tenants_already_there():
    from tests.support.tenants import one_more_tenant, unused_name

    assert unused_name(["alice", "bob"]) == "carol"
    assert unused_name(["alice", "carol", "carol2"]) == "carol3"
    tenants = load_tenants()
    first = one_more_tenant(tenants)
    second = one_more_tenant([*tenants, first])
    for field in ("name", "namespace", "username", "s3_access_key"):
        values = [getattr(t, field) for t in (*tenants, first, second)]
        assert len(set(values)) == len(values), field
