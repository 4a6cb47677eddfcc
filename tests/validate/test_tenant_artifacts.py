"""Per-tenant artifacts and submission on kind: MinIO users/policies, Argo repositories, the Argo server."""
from __future__ import annotations

import base64
import copy

import pytest
import yaml

from harness.kind import artifacts, constants, render
from harness.tenants import load_tenants
from tests.support import manifests

TENANTS = load_tenants()


def _tenant_objects(rendering, tenant) -> dict[tuple[str, str], dict]:
    text = render.helm_unescape(rendering.files[f"k8s/tenants/{tenant.name}/chart/templates/manifests.yaml"])
    return {(o["kind"], o["metadata"]["name"]): o for o in manifests.load_documents(text)}


def _minio_values(rendering) -> dict:
    """The MinIO release's values as Helm merges its files (later file's lists replace earlier ones)."""
    helmfile = yaml.safe_load(rendering.files[constants.HELMFILE])
    release = next(r for r in helmfile["releases"] if r["name"] == "minio")
    merged: dict = {}
    for entry in release["values"]:
        text = rendering.files.get(entry) or (constants.PLATFORM_DIR / entry).read_text()
        merged.update(yaml.safe_load(text))
    return merged


def test_two_tenants_at_least():
    assert len(TENANTS) >= 2, "isolation checks need two tenants"


def test_minio_release_gets_one_bucket_policy_and_user_per_tenant(rendering):
    values = _minio_values(rendering)
    assert [b["name"] for b in values["buckets"]] == [t.artifact_bucket for t in TENANTS]
    assert {u["accessKey"]: u["secretKey"] for u in values["users"]} == {
        t.s3_access_key: t.s3_secret_key for t in TENANTS}
    assert len({p["name"] for p in values["policies"]}) == len(TENANTS)


def test_each_tenants_policy_names_only_its_own_bucket(rendering):
    values = _minio_values(rendering)
    assert artifacts.policy_problems(values, TENANTS) == []
    policies = {p["name"]: p for p in values["policies"]}
    for tenant in TENANTS:
        user = next(u for u in values["users"] if u["accessKey"] == tenant.s3_access_key)
        resources = {r for s in policies[user["policy"]]["statements"] for r in s["resources"]}
        assert resources == {f"arn:aws:s3:::{tenant.artifact_bucket}", f"arn:aws:s3:::{tenant.artifact_bucket}/*"}


def test_a_policy_granting_another_tenants_bucket_fails_the_check(rendering):
    alice, bob = TENANTS[0], TENANTS[1]
    values = copy.deepcopy(_minio_values(rendering))
    policy = next(p for p in values["policies"] if p["name"] == artifacts.policy_name(alice))
    policy["statements"][0]["resources"].append(f"arn:aws:s3:::{bob.artifact_bucket}/*")
    problems = artifacts.policy_problems(values, TENANTS)
    assert len(problems) == 1
    assert alice.name in problems[0] and bob.artifact_bucket in problems[0]


@pytest.mark.parametrize("tamper", ["wildcard-bucket", "builtin-policy", "other-tenants-policy", "s3-star"])
def test_other_ways_to_widen_a_tenants_keys_fail_the_check(rendering, tamper):
    alice, bob = TENANTS[0], TENANTS[1]
    values = copy.deepcopy(_minio_values(rendering))
    user = next(u for u in values["users"] if u["accessKey"] == alice.s3_access_key)
    policy = next(p for p in values["policies"] if p["name"] == user["policy"])
    if tamper == "wildcard-bucket":
        policy["statements"][0]["resources"] = ["arn:aws:s3:::argo-artifacts-*/*"]
    elif tamper == "builtin-policy":
        user["policy"] = "readwrite"
    elif tamper == "other-tenants-policy":
        user["policy"] = artifacts.policy_name(bob)
    else:
        policy["statements"][0]["actions"] = ["s3:*"]
    assert artifacts.policy_problems(values, TENANTS) != []


@pytest.mark.parametrize("tenant", TENANTS, ids=lambda t: t.name)
def test_no_tenant_namespace_holds_the_minio_root_credentials(rendering, tenant):
    minio = yaml.safe_load(artifacts.MINIO_VALUES.read_text())
    root = {str(minio["rootUser"]), str(minio["rootPassword"])}
    for (kind, name), obj in _tenant_objects(rendering, tenant).items():
        if kind == "Secret":
            values = {base64.b64decode(v).decode() for v in obj.get("data", {}).values()}
            values |= set((obj.get("stringData") or {}).values())
        elif kind == "ConfigMap":
            values = {line.split(":", 1)[-1].strip() for v in obj.get("data", {}).values() for line in v.splitlines()}
        else:
            continue
        assert not values & root, f"{kind}/{name} in {tenant.namespace} holds MinIO root credentials"


@pytest.mark.parametrize("tenant", TENANTS, ids=lambda t: t.name)
def test_each_tenants_artifact_repository_names_its_own_bucket_and_secret(rendering, tenant):
    objects = _tenant_objects(rendering, tenant)
    config = objects[("ConfigMap", artifacts.REPOSITORIES_CONFIGMAP)]
    assert config["metadata"]["namespace"] == tenant.namespace
    key = config["metadata"]["annotations"][artifacts.DEFAULT_REPOSITORY_ANNOTATION]
    s3 = yaml.safe_load(config["data"][key])["s3"]
    assert s3["bucket"] == tenant.artifact_bucket
    assert s3["endpoint"] == artifacts.minio_endpoint()
    secret = objects[("Secret", s3["accessKeySecret"]["name"])]
    assert s3["secretKeySecret"]["name"] == secret["metadata"]["name"]
    data = {k: base64.b64decode(v).decode() for k, v in secret["data"].items()}
    assert data[s3["accessKeySecret"]["key"]] == tenant.s3_access_key
    assert data[s3["secretKeySecret"]["key"]] == tenant.s3_secret_key
    # The keys are a MinIO user whose policy is the tenant's own (checked above).
    assert tenant.s3_access_key in {u["accessKey"] for u in _minio_values(rendering)["users"]}
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
def test_make_env_on_kind_gives_the_tenants_own_minio_user_and_bucket(rendering, tenant):
    from harness.kind import cluster
    from harness.kind.platform import KindPlatform
    env = KindPlatform(tenants=TENANTS).tenant_env(tenant)
    values = _minio_values(rendering)
    user = next(u for u in values["users"] if u["accessKey"] == env["AWS_ACCESS_KEY_ID"])
    assert (user["secretKey"], user["policy"]) == (env["AWS_SECRET_ACCESS_KEY"], artifacts.policy_name(tenant))
    assert env["SIMPLEPIPE_ARTIFACT_BUCKET"] == tenant.artifact_bucket
    assert env["AWS_ENDPOINT_URL"] == cluster.service_urls()["minio"]
    minio = yaml.safe_load(artifacts.MINIO_VALUES.read_text())
    assert minio["rootPassword"] not in env.values()


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
def test_keys_minio_or_its_user_job_would_refuse_stop_the_rendering(access_key, secret_key, field):
    from harness.tenants import Tenant
    carol = Tenant(name="carol", namespace="carol", username="carol", password="carol-demo-password",
                   local_port=19199, s3_access_key=access_key, s3_secret_key=secret_key)
    with pytest.raises(render.RenderError) as raised:
        render.minio_tenant_values_file([*TENANTS, carol])
    assert "tenant carol" in str(raised.value) and field in str(raised.value)
    assert "rm -rf" not in str(raised.value), "a key is never printed"
