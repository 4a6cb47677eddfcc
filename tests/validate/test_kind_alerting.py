"""kind alert delivery: kube-prometheus-stack's Alertmanager and one AlertmanagerConfig per tenant.

The operator cannot run here, so what it does with our objects (prometheus-operator v0.79.2,
pkg/alertmanager/amcfg.go) is rebuilt the way it does it: each AlertmanagerConfig's route gets
`namespace="<its namespace>"` (matcher strategy OnNamespace) and `continue: true`, and these routes
go before the top-level config's. amtool then says who an alert reaches.
"""
from __future__ import annotations

import copy
import subprocess
from pathlib import Path

import pytest
import yaml

from harness.kind import constants, render
from harness.tenants import Tenant, load_tenants
from tests.support import manifests
from tests.support.tools import AMTOOL

needs_amtool = pytest.mark.skipif(not Path(AMTOOL).exists(), reason="amtool not installed (apt: prometheus-alertmanager)")
VALUES = yaml.safe_load((constants.PLATFORM_DIR / "values" / "kube-prometheus-stack.yaml").read_text())
ADMINISTRATOR = "administrator"


def _tenant_objects(rendering, tenant: Tenant) -> list[dict]:
    return manifests.load_documents(rendering.files[f"k8s/tenants/{tenant.name}/chart/templates/manifests.yaml"])


def _config_of(rendering, tenant: Tenant) -> dict:
    [config] = [o for o in _tenant_objects(rendering, tenant) if o["kind"] == "AlertmanagerConfig"]
    return config


def _selects(selector: dict, labels: dict) -> bool:
    """A label selector with matchLabels / matchExpressions (In, NotIn, Exists, DoesNotExist)."""
    if any(labels.get(k) != v for k, v in (selector.get("matchLabels") or {}).items()):
        return False
    for expression in selector.get("matchExpressions") or []:
        key, operator, values = expression["key"], expression["operator"], expression.get("values", [])
        ok = {"In": key in labels and labels[key] in values, "NotIn": labels.get(key) not in values,
              "Exists": key in labels, "DoesNotExist": key not in labels}[operator]
        if not ok:
            return False
    return True


def operator_merge(top_level: dict, configs: list[dict]) -> dict:
    """The Alertmanager configuration the operator generates (v0.79.2, strategy OnNamespace)."""
    merged = copy.deepcopy(top_level)
    receivers, routes = [], []
    for config in configs:
        namespace, name = config["metadata"]["namespace"], config["metadata"]["name"]
        prefix = f"{namespace}/{name}/"
        for receiver in config["spec"]["receivers"]:
            receivers.append({"name": prefix + receiver["name"], "webhook_configs": [
                {"url": w["url"], "send_resolved": w.get("sendResolved", False)} for w in receiver["webhookConfigs"]]})
        route = config["spec"]["route"]
        matchers = [f'{m["name"]}{m.get("matchType", "=")}"{m["value"]}"' for m in route.get("matchers", [])]
        routes.append({"receiver": prefix + route["receiver"], "group_by": route.get("groupBy", []),
                       "matchers": [f'namespace="{namespace}"', *matchers], "continue": True})
    merged["route"]["routes"] = routes + merged["route"].get("routes", [])
    merged["receivers"] = merged["receivers"] + receivers
    return merged


def _receivers_of(config_file: Path, **labels: str) -> list[str]:
    result = subprocess.run([AMTOOL, "config", "routes", "test", f"--config.file={config_file}",
                             *(f"{k}={v}" for k, v in labels.items())], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()[0].split(",")


@pytest.fixture
def merged_config_file(rendering, tmp_path) -> Path:
    configs = [_config_of(rendering, t) for t in load_tenants()]
    path = tmp_path / "alertmanager.yaml"
    path.write_text(yaml.safe_dump(operator_merge(VALUES["alertmanager"]["config"], configs)))
    return path


@pytest.mark.parametrize("tenant", load_tenants(), ids=lambda t: t.name)
def test_each_tenant_namespace_has_its_alertmanager_config_to_its_webhook(rendering, tenant):
    config = _config_of(rendering, tenant)
    assert config["metadata"]["namespace"] == tenant.namespace
    assert manifests.validate_object(config, f"tenant {tenant.name}") == []
    [receiver] = config["spec"]["receivers"]
    assert receiver["webhookConfigs"][0]["url"] == render.alert_webhook_url(tenant)
    assert config["spec"]["route"]["receiver"] == receiver["name"]


def test_the_default_webhook_is_in_the_tenants_own_namespace_and_tenants_yaml_may_override_it():
    tenant = load_tenants()[0]
    assert render.alert_webhook_url(tenant) == f"http://alert-receiver.{tenant.namespace}.svc:8080/{tenant.name}"
    own = Tenant(**{**tenant.__dict__, "alert_webhook_url": "https://hooks.example.com/alice"})
    assert render.alertmanager_config(own)["spec"]["receivers"][0]["webhookConfigs"][0]["url"] == \
        "https://hooks.example.com/alice"


def test_alertmanager_selects_exactly_the_tenant_configs(rendering):
    spec = VALUES["alertmanager"]["alertmanagerSpec"]
    assert VALUES["alertmanager"]["enabled"] is True
    # The operator's namespace matcher is what makes a tenant's config unable to route others' alerts.
    assert spec["alertmanagerConfigMatcherStrategy"] == {"type": "OnNamespace"}
    for tenant in load_tenants():
        objects = _tenant_objects(rendering, tenant)
        [namespace] = [o for o in objects if o["kind"] == "Namespace"]
        assert _selects(spec["alertmanagerConfigNamespaceSelector"], namespace["metadata"]["labels"])
        assert _selects(spec["alertmanagerConfigSelector"], _config_of(rendering, tenant)["metadata"]["labels"])
    # The platform's own namespace is not a tenant's: nothing there is taken as a tenant's route.
    assert not _selects(spec["alertmanagerConfigNamespaceSelector"],
                        {"kubernetes.io/metadata.name": constants.MONITORING_NAMESPACE})


def test_a_typo_in_an_alertmanager_config_is_refused():
    config = render.alertmanager_config(load_tenants()[0])
    config["spec"]["receivers"][0]["webhookConfigs"][0]["sendResolve"] = True
    problems = manifests.validate_object(config, "inline")
    assert [p.field for p in problems] == ["spec.receivers.0.webhookConfigs.0"]
    assert "sendResolve" in problems[0].message


@needs_amtool
def test_amtool_accepts_the_configuration_the_operator_generates(merged_config_file):
    result = subprocess.run([AMTOOL, "check-config", str(merged_config_file)], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


@needs_amtool
@pytest.mark.parametrize("tenant", load_tenants(), ids=lambda t: t.name)
def test_a_tenants_alert_reaches_its_receiver_and_the_administrators_only(merged_config_file, tenant):
    # bob-nightly-failing's alert, as the rule raises it: tenant and namespace stamped by the platform.
    receivers = _receivers_of(merged_config_file, alertname="SimplepipeJobFailed", tenant=tenant.name,
                              namespace=tenant.namespace, job="nightly")
    assert receivers == [f"{tenant.namespace}/{constants.ALERTMANAGER_CONFIG}/tenant", ADMINISTRATOR]


@needs_amtool
def test_a_config_that_names_another_tenant_still_gets_only_its_own_namespace(rendering, tmp_path):
    alice, bob = load_tenants()[:2]
    hostile = _config_of(rendering, alice)
    hostile["spec"]["route"]["matchers"] = [{"name": "tenant", "value": bob.name}]
    path = tmp_path / "alertmanager.yaml"
    path.write_text(yaml.safe_dump(operator_merge(VALUES["alertmanager"]["config"], [hostile])))
    assert _receivers_of(path, alertname="SimplepipeJobFailed", tenant=bob.name, namespace=bob.namespace) == \
        [ADMINISTRATOR]


@needs_amtool
def test_platform_alerts_reach_only_the_administrator(merged_config_file):
    assert _receivers_of(merged_config_file, alertname="KubeNodeNotReady", namespace="monitoring") == [ADMINISTRATOR]


def test_every_alert_keeps_the_namespace_label_the_routes_match_on():
    # promtool (tests/unit/test_rules_promtool.py) matches exp_labels exactly: an expected `namespace`
    # there proves the rule passes the stamped label through to the alert the operator's matcher sees.
    from harness.paths import REPO_ROOT

    rules = yaml.safe_load((REPO_ROOT / "dashboards" / "rules" / "simplepipe.rules.yml").read_text())
    alerts = {r["alert"] for group in rules["groups"] for r in group["rules"] if "alert" in r}
    with_namespace = set()
    for path in (REPO_ROOT / "dashboards" / "rules" / "tests").glob("*_test.yml"):
        for test in yaml.safe_load(path.read_text())["tests"]:
            for case in test.get("alert_rule_test", []):
                if any("namespace" in a["exp_labels"] for a in case.get("exp_alerts", [])):
                    with_namespace.add(case["alertname"])
    assert alerts and alerts <= with_namespace, f"no promtool test shows `namespace` on {sorted(alerts - with_namespace)}"


def _alertmanager_object(spec_values: dict) -> dict:
    """The Alertmanager object as chart 67.8.0's templates/alertmanager/alertmanager.yaml builds it from the
    alertmanagerSpec keys we set (the rest of its spec comes from chart defaults we do not change)."""
    spec = {"replicas": 1, "retention": spec_values["retention"], "resources": spec_values["resources"],
            "alertmanagerConfigSelector": spec_values["alertmanagerConfigSelector"],
            "alertmanagerConfigNamespaceSelector": spec_values["alertmanagerConfigNamespaceSelector"],
            "alertmanagerConfigMatcherStrategy": spec_values["alertmanagerConfigMatcherStrategy"]}
    return {"apiVersion": "monitoring.coreos.com/v1", "kind": "Alertmanager",
            "metadata": {"name": "kube-prometheus-stack-alertmanager", "namespace": constants.MONITORING_NAMESPACE},
            "spec": spec}


def test_the_alertmanager_from_our_values_is_valid():
    obj = _alertmanager_object(VALUES["alertmanager"]["alertmanagerSpec"])
    assert manifests.validate_object(obj, "kube-prometheus-stack values") == []


def test_a_matcher_strategy_the_operator_does_not_know_is_refused():
    spec = copy.deepcopy(VALUES["alertmanager"]["alertmanagerSpec"])
    spec["alertmanagerConfigMatcherStrategy"] = {"type": "OnTenant"}
    problems = manifests.validate_object(_alertmanager_object(spec), "inline")
    assert [p.field for p in problems] == ["spec.alertmanagerConfigMatcherStrategy.type"]


def test_a_webhook_url_in_tenants_yaml_reaches_the_tenants_alertmanager_config(tmp_path):
    from harness.tenants import TENANTS_FILE

    document = yaml.safe_load(TENANTS_FILE.read_text())
    document["tenants"][1]["alerts"] = {"webhook_url": "https://hooks.example.com/bob"}
    path = tmp_path / "tenants.yaml"
    path.write_text(yaml.safe_dump(document))
    first, second = load_tenants(path)[:2]
    assert render.alertmanager_config(second)["spec"]["receivers"][0]["webhookConfigs"][0]["url"] == \
        "https://hooks.example.com/bob"
    assert render.alert_webhook_url(first) == f"http://alert-receiver.{first.namespace}.svc:8080/{first.name}"
