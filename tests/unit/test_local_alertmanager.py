"""The local Alertmanager's routes, generated from tenants.yaml: `amtool` accepts them, and an alert
reaches its own tenant's receiver and the administrator's, never another tenant's."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from harness.local.alertmanager import ADMINISTRATOR, alertmanager_config, receiver_name, write_config
from harness.tenants import Tenant, load_tenants
from tests.support.tenants import one_more_tenant
from tests.support.tools import AMTOOL

needs_amtool = pytest.mark.skipif(not Path(AMTOOL).exists(),
                                  reason="amtool not installed (apt: prometheus-alertmanager)")


def three_tenants() -> list[Tenant]:
    """tenants.yaml plus a third, as an administrator would add one."""
    tenants = load_tenants()
    return tenants + [one_more_tenant(tenants)]


def amtool(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([AMTOOL, *args], capture_output=True, text=True, timeout=60)


@pytest.fixture
def config_file(tmp_path) -> Path:
    path = tmp_path / "alertmanager.yml"
    token = tmp_path / "token"
    token.write_text("the-receivers-token")
    write_config(path, alertmanager_config(three_tenants(), receiver_port=19094, token_file=token))
    return path


def test_every_webhook_shows_the_receivers_token(tmp_path):
    """The receiver refuses a notification without it (harness.alert_receiver): Alertmanager must send it."""
    config = alertmanager_config(three_tenants(), receiver_port=19094, token_file=tmp_path / "token")
    webhooks = [hook for receiver in config["receivers"] for hook in receiver["webhook_configs"]]
    assert len(webhooks) == len(three_tenants()) + 1
    assert all(hook["http_config"] == {"authorization": {"type": "Bearer", "credentials_file": str(tmp_path / "token")}}
               for hook in webhooks)


@needs_amtool
def test_amtool_accepts_the_generated_config(config_file):
    result = amtool("check-config", str(config_file))
    assert result.returncode == 0, result.stdout + result.stderr


@needs_amtool
@pytest.mark.parametrize("tenant", three_tenants(), ids=lambda t: t.name)
def test_a_tenants_alert_reaches_its_receiver_and_the_administrators_only(config_file, tenant):
    result = amtool("config", "routes", "test", f"--config.file={config_file}", "alertname=SimplepipeJobFailed",
                    f"tenant={tenant.name}", "job=pushgateway-someone-else")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0].split(",") == [receiver_name(tenant), ADMINISTRATOR]


@needs_amtool
def test_an_alert_without_a_tenant_reaches_only_the_administrator(config_file):
    result = amtool("config", "routes", "test", f"--config.file={config_file}", "alertname=Watchdog")
    assert result.stdout.split() == [ADMINISTRATOR]


def test_a_tenant_named_like_the_administrators_receiver_is_refused():
    with pytest.raises(ValueError, match="administrator"):
        alertmanager_config(load_tenants() + [Tenant("administrator", "administrator", "a", "b", 1)], 19094)
