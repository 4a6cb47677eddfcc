"""The four configuration files and their JSON Schemas (platform/schemas/config/): every committed file
validates and points editors at its schema; a bad file is refused naming the file and the path inside it."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from dashboards.thresholds import THRESHOLDS_FILE, ThresholdsFileError, load_thresholds
from harness import config_files
from harness.config_files import SCHEMA_DIR
from harness.kind.tenant_resources import SCHEMA as TENANT_RESOURCES_SCHEMA, TENANT_RESOURCES_FILE
from harness.local.errors import SettingsError
from harness.local.settings import SETTINGS_FILE, load_settings
from harness.paths import REPO_ROOT
from harness.tenants import TENANTS_FILE, TenantsFileError, load_tenants
from tests.support.scenario import EXPECT_SCHEMA, SCENARIOS_DIR, ScenarioError, load_scenario
from tests.support.tenants import unused_name

# Each committed configuration file with the schema its loader checks it against.
COMMITTED = [
    (TENANTS_FILE, config_files.TENANTS_SCHEMA),
    (SETTINGS_FILE, config_files.LOCAL_PLATFORM_SCHEMA),
    (THRESHOLDS_FILE, config_files.THRESHOLDS_SCHEMA),
    (TENANT_RESOURCES_FILE, TENANT_RESOURCES_SCHEMA),
    *[(path, EXPECT_SCHEMA) for path in sorted(SCENARIOS_DIR.glob("*/expect.yaml"))],
]
SCHEMAS = sorted(p.name for p in SCHEMA_DIR.glob("*.schema.json"))
TENANTS = yaml.safe_load(TENANTS_FILE.read_text())
SETTINGS = yaml.safe_load(SETTINGS_FILE.read_text())
THRESHOLDS = yaml.safe_load(THRESHOLDS_FILE.read_text())


def _id(value) -> str:
    return str(value.relative_to(REPO_ROOT)) if isinstance(value, Path) else str(value)


@pytest.mark.parametrize("schema", SCHEMAS)
def test_schemas_are_valid_draft_2020_12(schema):
    document = json.loads((SCHEMA_DIR / schema).read_text())
    assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(document)


@pytest.mark.parametrize("schema", SCHEMAS)
def test_every_pattern_says_in_words_what_it_wants(schema):
    """A refused pattern is reported by its description, not by the regular expression."""
    def patterns_without_description(node, where="") -> list[str]:
        if isinstance(node, dict):
            found = [where] if "pattern" in node and not node.get("description") else []
            return found + [p for k, v in node.items() for p in patterns_without_description(v, f"{where}/{k}")]
        if isinstance(node, list):
            return [p for i, v in enumerate(node) for p in patterns_without_description(v, f"{where}/{i}")]
        return []

    assert patterns_without_description(json.loads((SCHEMA_DIR / schema).read_text())) == []


def test_every_schema_checks_a_committed_file():
    assert sorted({schema for _, schema in COMMITTED}) == SCHEMAS


@pytest.mark.parametrize(("path", "schema"), COMMITTED, ids=_id)
def test_committed_file_validates_and_names_its_schema_for_editors(path, schema):
    first_line = path.read_text().splitlines()[0]
    prefix = "# yaml-language-server: $schema="
    assert first_line.startswith(prefix), f"{path}: first line must be `{prefix}<relative path>`"
    assert (path.parent / first_line[len(prefix):]).resolve() == (SCHEMA_DIR / schema).resolve()
    document = yaml.safe_load(path.read_text())
    assert config_files.check(document, schema, path, ValueError) is document


def test_committed_files_load():
    assert load_tenants() and load_settings().prometheus_port and load_thresholds().group_stale_after_seconds > 0
    assert all(load_scenario(path.parent).expect for path, _ in COMMITTED if path.name == "expect.yaml")


def _with(document: dict, path: str, value) -> dict:
    """A copy of `document` with the value at a dotted path (`tenants.1.pushgateway.local_port`) replaced."""
    changed = copy.deepcopy(document)
    *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
    node = changed
    for part in parents:
        node = node[part]
    if value is KeyError:
        del node[last]
    else:
        node[last] = value
    return changed


def test_an_error_in_a_committed_file_is_named_relative_to_the_repository():
    bad = _with(TENANTS, "tenants.1.pushgateway.local_port", "x")
    with pytest.raises(TenantsFileError) as refused:
        config_files.check(bad, config_files.TENANTS_SCHEMA, TENANTS_FILE, TenantsFileError)
    assert str(refused.value) == ("platform/tenants.yaml: tenants[1].pushgateway.local_port: "
                                  "'x' is not of type 'integer'")


@pytest.mark.parametrize(("load", "error", "document", "message"), [
    (load_tenants, TenantsFileError, _with(TENANTS, "tenants.1.pushgateway.local_port", "x"),
     "tenants[1].pushgateway.local_port: 'x' is not of type 'integer'"),
    (load_tenants, TenantsFileError, _with(TENANTS, "tenants.0.name", "Alice"),
     "tenants[0].name: 'Alice' is not a DNS label"),
    (load_tenants, TenantsFileError, _with(TENANTS, "tenants.1.pushgateway.password", KeyError),
     "tenants[1].pushgateway: 'password' is a required property"),
    (load_tenants, TenantsFileError, _with(TENANTS, "tenants", []), "tenants: [] should be non-empty"),
    (load_tenants, TenantsFileError, _with(TENANTS, "tenants.0.alerts", {"webhook_url": "alert-receiver:8080"}),
     "tenants[0].alerts.webhook_url: 'alert-receiver:8080' is not an http:// or https:// URL"),
    # Beyond the schema: tenants must not share a gateway port (more in test_port_rules.py).
    (load_tenants, TenantsFileError, _with(TENANTS, "tenants.1.pushgateway.local_port", 19091),
     "tenants[1].pushgateway.local_port 19091 is also "),
    (load_settings, SettingsError, _with(SETTINGS, "prometheus.port", 70000),
     "prometheus.port: 70000 is greater than the maximum of 65535"),
    (load_settings, SettingsError, _with(SETTINGS, "prometheus.scrape_interval", "2 seconds"),
     "prometheus.scrape_interval: '2 seconds' is not a Prometheus duration"),
    (load_settings, SettingsError, _with(SETTINGS, "s3.bucket", KeyError), "s3: 'bucket' is a required property"),
    (load_settings, SettingsError, _with(SETTINGS, "releases.prometheus.url", "http://example.org/x"),
     "releases.prometheus.url: 'http://example.org/x' is not an https:// URL"),
    (load_thresholds, ThresholdsFileError, _with(THRESHOLDS, "application_run_time_high_seconds", 0),
     "application_run_time_high_seconds: 0 is less than or equal to the minimum of 0"),
    (load_thresholds, ThresholdsFileError, _with(THRESHOLDS, "jobs", {"alice-app": {"group_stale_after": "1 day"}}),
     "jobs.alice-app.group_stale_after: '1 day' is not a Prometheus duration"),
], ids=lambda v: v if isinstance(v, str) else "")
def test_a_bad_file_is_refused_naming_file_and_path(tmp_path, load, error, document, message):
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(document))
    with pytest.raises(error) as refused:
        load(path)
    assert str(refused.value).startswith(f"{path}: ") and message in str(refused.value)


@pytest.mark.parametrize(("load", "error"), [(load_tenants, TenantsFileError), (load_settings, SettingsError),
                                             (load_thresholds, ThresholdsFileError)])
@pytest.mark.parametrize("text", ["tenants: [unclosed", "- a list\n- not a mapping\n", ""])
def test_unreadable_or_wrongly_shaped_files_are_one_line_errors(tmp_path, load, error, text):
    path = tmp_path / "config.yaml"
    path.write_text(text)
    with pytest.raises(error) as refused:
        load(path)
    assert str(refused.value).startswith(f"{path}: ") and "\n" not in str(refused.value)


def test_a_scenario_is_checked_against_the_tenants_it_is_given(tmp_path):
    known = [t.name for t in load_tenants()]
    name = unused_name(known)
    scenario = tmp_path / f"{name}-report"
    scenario.mkdir()
    (scenario / "workflow.yaml").write_text("{}")
    (scenario / "expect.yaml").write_text(yaml.safe_dump({"tenant": name, "expect": [{"query": "up", "value": 1}]}))
    tenants_file = tmp_path / "tenants.yaml"
    tenants_file.write_text(yaml.safe_dump(_with(TENANTS, "tenants.1.name", name)))

    with pytest.raises(ScenarioError) as raised:
        load_scenario(scenario)
    assert f"tenant: {name!r} is not in platform/tenants.yaml ({', '.join(known)})" in str(raised.value)
    assert load_scenario(f"{name}-report", root=tmp_path, tenants=tenants_file).tenant == name
    assert load_scenario(scenario, tenants=load_tenants(tenants_file)).tenant == name
