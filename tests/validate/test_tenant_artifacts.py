"""Per-tenant artifacts and submission on kind: SeaweedFS identities and buckets, Argo repositories, the Argo server."""
from __future__ import annotations

import base64
import copy
import json

import pytest
import yaml

from harness import s3_identities
from harness.kind import artifacts, constants, manifests, render
from harness.tenants import load_tenants
from tests.support.helm_text import helm_unescape

TENANTS = load_tenants()


def _tenant_objects(rendering, tenant) -> dict[tuple[str, str], dict]:
    text = helm_unescape(rendering.files[f"k8s/tenants/{tenant.name}/chart/templates/manifests.yaml"])
    return {(o["kind"], o["metadata"]["name"]): o for o in manifests.load_documents(text)}


def _identities(rendering) -> dict:
    """The S3 identities the seaweedfs pod loads: the `s3-identities` release's Secret, as rendered."""
    text = rendering.files[f"{constants.S3_IDENTITIES_CHART.as_posix()}/templates/manifests.yaml"]
    [secret] = manifests.load_documents(text)
    return json.loads(secret["stringData"][artifacts.IDENTITIES_SECRET_KEY])


def _buckets(rendering) -> list[str]:
    values = yaml.safe_load(rendering.files[artifacts.SEAWEEDFS_TENANT_VALUES])
    return [b["name"] for b in values["allInOne"]["s3"]["createBuckets"]]


def test_two_tenants_at_least():
    assert len(TENANTS) >= 2, "isolation checks need two tenants"


def test_seaweedfs_gets_one_bucket_and_identity_per_tenant(rendering):
    assert _buckets(rendering) == [t.artifact_bucket for t in TENANTS]
    keys = {c["accessKey"]: c["secretKey"] for i in _identities(rendering)["identities"] for c in i["credentials"]}
    assert {t.s3_access_key: t.s3_secret_key for t in TENANTS}.items() <= keys.items()
    helmfile = yaml.safe_load(rendering.files[constants.HELMFILE])
    release = next(r for r in helmfile["releases"] if r["name"] == "seaweedfs")
    assert release["values"] == ["values/seaweedfs.yaml", artifacts.SEAWEEDFS_TENANT_VALUES]
    assert "seaweedfs/s3-identities" in release["needs"]


def test_each_tenants_identity_reaches_only_its_own_bucket(rendering):
    config = _identities(rendering)
    assert s3_identities.identity_problems(config, TENANTS) == []
    for tenant in TENANTS:
        [identity] = [i for i in config["identities"] if i["name"] == f"tenant-{tenant.name}"]
        assert {a.split(":", 1)[1] for a in identity["actions"]} == {tenant.artifact_bucket}


@pytest.mark.parametrize("tamper", ["other-bucket", "unscoped", "admin", "missing"])
def test_an_identity_reaching_beyond_the_tenants_bucket_fails_the_check(rendering, tamper):
    alice, bob = TENANTS[0], TENANTS[1]
    config = copy.deepcopy(_identities(rendering))
    [identity] = [i for i in config["identities"] if i["name"] == f"tenant-{alice.name}"]
    if tamper == "other-bucket":
        identity["actions"].append(f"Read:{bob.artifact_bucket}")
    elif tamper == "unscoped":
        identity["actions"].append("Write")
    elif tamper == "admin":
        identity["actions"].append("Admin")
    else:
        config["identities"].remove(identity)
    problems = s3_identities.identity_problems(config, TENANTS)
    assert len(problems) == 1 and f"tenant {alice.name}" in problems[0]


def test_the_local_backends_identities_pass_the_same_check(tmp_path):
    # One model for both backends: the file the local platform writes for weed's -s3.config.
    from harness.local import seaweedfs as local_seaweedfs
    from harness.local.settings import load_settings
    local_seaweedfs.write_identities(tmp_path / "s3.json", load_settings().s3, TENANTS)
    assert s3_identities.identity_problems(json.loads((tmp_path / "s3.json").read_text()), TENANTS) == []


@pytest.mark.parametrize("tenant", TENANTS, ids=lambda t: t.name)
def test_no_tenant_namespace_holds_the_administrators_s3_keys(rendering, tenant):
    root = set(artifacts.ADMINISTRATOR_KEYS)
    for (kind, name), obj in _tenant_objects(rendering, tenant).items():
        if kind == "Secret":
            values = {base64.b64decode(v).decode() for v in obj.get("data", {}).values()}
            values |= set((obj.get("stringData") or {}).values())
        elif kind == "ConfigMap":
            values = {line.split(":", 1)[-1].strip() for v in obj.get("data", {}).values() for line in v.splitlines()}
        else:
            continue
        assert not values & root, f"{kind}/{name} in {tenant.namespace} holds the administrator's S3 keys"


@pytest.mark.parametrize("tenant", TENANTS, ids=lambda t: t.name)
def test_each_tenants_artifact_repository_names_its_own_bucket_and_secret(rendering, tenant):
    objects = _tenant_objects(rendering, tenant)
    config = objects[("ConfigMap", artifacts.REPOSITORIES_CONFIGMAP)]
    assert config["metadata"]["namespace"] == tenant.namespace
    key = config["metadata"]["annotations"][artifacts.DEFAULT_REPOSITORY_ANNOTATION]
    s3 = yaml.safe_load(config["data"][key])["s3"]
    assert s3["bucket"] == tenant.artifact_bucket
    assert s3["endpoint"] == artifacts.s3_endpoint()
    secret = objects[("Secret", s3["accessKeySecret"]["name"])]
    assert s3["secretKeySecret"]["name"] == secret["metadata"]["name"]
    data = {k: base64.b64decode(v).decode() for k, v in secret["data"].items()}
    assert data[s3["accessKeySecret"]["key"]] == tenant.s3_access_key
    assert data[s3["secretKeySecret"]["key"]] == tenant.s3_secret_key
    # The keys are an S3 identity limited to the tenant's bucket (checked above).
    assert s3_identities.identity_problems(_identities(rendering), [tenant]) == []
    assert manifests.validate_object(config, "artifact-repositories") == []
    assert manifests.validate_object(secret, "argo-artifacts-s3") == []


def test_the_local_runner_resolves_the_kind_repository_like_argo(rendering):
    # The same resolver the local backend uses: the kind ConfigMap and Secret are what it expects.
    from harness.runner.artifacts import namespace_repository
    tenant = TENANTS[0]
    objects = _tenant_objects(rendering, tenant)
    config = objects[("ConfigMap", artifacts.REPOSITORIES_CONFIGMAP)]
    secret = objects[("Secret", artifacts.SECRET)]
    settings = {
        "configmaps": {artifacts.REPOSITORIES_CONFIGMAP: config["data"]},
        "annotations": {artifacts.REPOSITORIES_CONFIGMAP: config["metadata"]["annotations"]},
        "secrets": {artifacts.SECRET: {k: base64.b64decode(v).decode() for k, v in secret["data"].items()}},
    }
    repository = namespace_repository(settings, "us-east-1")
    assert (repository.bucket, repository.access_key) == (tenant.artifact_bucket, tenant.s3_access_key)


def test_argo_server_runs_in_client_auth_mode_only():
    values = yaml.safe_load((constants.PLATFORM_DIR / "values" / "argo-workflows.yaml").read_text())
    assert values["server"]["authModes"] == ["client"]


def test_argo_namespace_admits_only_the_servers_port(rendering):
    helmfile = yaml.safe_load(rendering.files[constants.HELMFILE])
    release = next(r for r in helmfile["releases"] if r["name"] == "argo-network")
    assert (release["namespace"], release["chart"]) == ("argo", "./k8s/argo/chart")
    text = rendering.files[f"{constants.ARGO_NETWORK_CHART.as_posix()}/templates/manifests.yaml"]
    assert manifests.validate_text(text, "platform/k8s/argo") == []
    objects = manifests.load_documents(text)
    assert {o["metadata"]["namespace"] for o in objects} == {"argo"}
    policies = {o["metadata"]["name"]: o["spec"] for o in objects}
    deny = policies["default-deny-ingress"]
    assert deny["podSelector"] == {} and deny["policyTypes"] == ["Ingress"] and not deny.get("ingress")
    server = policies["argo-server-ingress"]
    assert server["podSelector"] == {"matchLabels": {"app.kubernetes.io/name": "argo-workflows-server"}}
    assert [rule["ports"] for rule in server["ingress"]] == [[{"protocol": "TCP", "port": 2746}]]
    # The controller gets no rule: its metrics are off, nothing needs to reach it.
    values = yaml.safe_load((constants.PLATFORM_DIR / "values" / "argo-workflows.yaml").read_text())
    assert not (values["controller"].get("metricsConfig") or {}).get("enabled")
    assert len(policies) == 2


@pytest.mark.parametrize("tenant", TENANTS, ids=lambda t: t.name)
def test_make_env_on_kind_gives_the_tenants_own_s3_identity_and_bucket(rendering, tenant):
    from harness.kind import cluster
    from harness.kind.platform import KindPlatform
    env = KindPlatform(tenants=TENANTS).tenant_env(tenant)
    [identity] = [i for i in _identities(rendering)["identities"]
                  if {"accessKey": env["AWS_ACCESS_KEY_ID"], "secretKey": env["AWS_SECRET_ACCESS_KEY"]}
                  in i["credentials"]]
    assert identity["name"] == f"tenant-{tenant.name}"
    assert env["SIMPLEPIPE_ARTIFACT_BUCKET"] == tenant.artifact_bucket
    assert env["AWS_ENDPOINT_URL"] == cluster.service_urls()["s3"]
    assert artifacts.ADMINISTRATOR_KEYS[1] not in env.values()


@pytest.mark.parametrize("tenant", TENANTS, ids=lambda t: t.name)
def test_a_tenants_tokens_reach_only_its_own_namespace(rendering, tenant):
    # In client auth mode the Argo server acts with the caller's token: the tenant's ServiceAccount
    # and the workflow pods' one must not be able to create workflows anywhere but where bound.
    objects = _tenant_objects(rendering, tenant)
    assert objects[("ServiceAccount", constants.TENANT_SERVICE_ACCOUNT)]["automountServiceAccountToken"] is False
    bindings = [o for o in objects.values() if o["kind"] in ("RoleBinding", "ClusterRoleBinding")]
    assert {o["kind"] for o in bindings} == {"RoleBinding"}, "no cluster-wide grant in a tenant chart"
    by_role = {b["roleRef"]["name"]: b for b in bindings}
    tenant_subjects = by_role["simplepipe-tenant"]["subjects"]
    assert {"kind": "ServiceAccount", "name": constants.TENANT_SERVICE_ACCOUNT,
            "namespace": tenant.namespace} in tenant_subjects
    for binding in bindings:
        assert binding["metadata"]["namespace"] == tenant.namespace
        for subject in binding["subjects"]:
            assert subject.get("namespace", tenant.namespace) == tenant.namespace
    executor = objects[("Role", "simplepipe-workflow-executor")]
    assert not any("workflows" in rule["resources"] for rule in executor["rules"]), "step pods may not submit"


@pytest.mark.parametrize("access_key, secret_key, field", [
    ("ab", "long-enough-secret", "s3.access_key"),
    ("carol-artifacts", "short", "s3.secret_key"),
    ("carol-artifacts", "has space; rm -rf", "s3.secret_key"),
    ("{{ .Values }}", "long-enough-secret", "s3.access_key"),
])
def test_keys_seaweedfs_would_refuse_or_mangle_stop_the_rendering(access_key, secret_key, field):
    from harness.tenants import Tenant
    carol = Tenant(name="carol", namespace="carol", username="carol", password="carol-demo-password",
                   local_port=19199, s3_access_key=access_key, s3_secret_key=secret_key)
    with pytest.raises(render.RenderError) as raised:
        render.seaweedfs_tenant_values_file([*TENANTS, carol])
    assert "tenant carol" in str(raised.value) and field in str(raised.value)
    assert "rm -rf" not in str(raised.value), "a key is never printed"
