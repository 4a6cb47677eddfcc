"""Ports that cannot collide: a tenant may leave pushgateway.local_port out and gets a stable port outside the
kernel's ephemeral range; a configured port inside that range, or one another setting already has, is refused
when tenants.yaml and platform.yaml are loaded, naming both settings."""
from __future__ import annotations

import pytest
import yaml

from harness.kind.platform import KindPlatform
from harness.local.errors import SettingsError
from harness.local.settings import SETTINGS_FILE, Ports, load_settings
from harness.ports import DERIVED_PORTS, derived_port, ephemeral_range, is_ephemeral
from harness.tenants import TenantsFileError, load_tenants

EPHEMERAL = ephemeral_range()
INSIDE = (EPHEMERAL[0] + EPHEMERAL[1]) // 2  # a port in this machine's ephemeral range


def entry(name: str, port: int | None = None) -> dict:
    gateway = {"username": name, "password": "pw", **({"local_port": port} if port is not None else {})}
    return {"name": name, "pushgateway": gateway}


def tenants_file(tmp_path, *entries: dict):
    path = tmp_path / "tenants.yaml"
    path.write_text(yaml.safe_dump({"tenants": list(entries)}))
    return path


def settings_file(tmp_path, **changes: int):
    """platform.yaml with some ports changed: prometheus=..., s3_port=..."""
    document = yaml.safe_load(SETTINGS_FILE.read_text())
    for key, port in changes.items():
        section, name = ("prometheus", "port") if key == "prometheus" else ("s3", key)
        document[section][name] = port
    path = tmp_path / "platform.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


def test_the_ephemeral_range_is_read_from_the_kernel_or_linux_default(tmp_path):
    assert EPHEMERAL[0] < EPHEMERAL[1]
    range_file = tmp_path / "ip_local_port_range"
    range_file.write_text("40000\t50000\n")
    assert ephemeral_range(range_file) == (40000, 50000)
    assert ephemeral_range(tmp_path / "missing") == (32768, 60999)


def test_a_tenant_without_a_local_port_gets_one_derived_from_its_name(tmp_path):
    alice, carol = load_tenants(tenants_file(tmp_path, entry("alice", 19091), entry("carol")))
    assert carol.local_port in DERIVED_PORTS and not is_ephemeral(carol.local_port, EPHEMERAL)
    assert carol.local_port_from.endswith("tenants[1].pushgateway.local_port (left out; derived from the name)")
    assert alice.local_port_from.endswith("tenants[0].pushgateway.local_port")
    # Stable: the same on every load, in another position, and when tenants are added after it.
    again = load_tenants(tenants_file(tmp_path, entry("carol"), entry("alice", 19091), entry("dave")))
    assert again[0].local_port == carol.local_port
    assert again[2].local_port in DERIVED_PORTS and again[2].local_port != carol.local_port


def test_a_derived_port_never_equals_a_configured_one(tmp_path):
    wanted = derived_port("carol", set(), EPHEMERAL)
    # Bob configures exactly the port carol's name leads to: carol gets the next one, bob keeps his.
    bob, carol = load_tenants(tenants_file(tmp_path, entry("bob", wanted), entry("carol")))
    assert bob.local_port == wanted
    assert carol.local_port != wanted and carol.local_port in DERIVED_PORTS
    # Two names leading to one port: the first in the file gets it, the second the next free one.
    assert derived_port("carol", {wanted}, EPHEMERAL) == carol.local_port


def test_derivation_skips_ephemeral_ports_wraps_around_and_gives_up_when_none_is_left():
    start = derived_port("carol", set(), (1, 1))
    every_other = set(DERIVED_PORTS) - {DERIVED_PORTS[0]}
    assert derived_port("carol", every_other, (1, 1)) == DERIVED_PORTS[0]  # wrapped around to the first
    assert derived_port("carol", set(), (start, start)) == (start + 1 if start + 1 in DERIVED_PORTS
                                                               else DERIVED_PORTS[0])
    assert derived_port("carol", set(), (1, 65535)) is None


def test_a_configured_tenant_port_inside_the_ephemeral_range_is_refused(tmp_path):
    path = tenants_file(tmp_path, entry("alice", 19091), entry("bob", INSIDE))
    with pytest.raises(TenantsFileError) as refused:
        load_tenants(path)
    assert str(refused.value).startswith(
        f"{path}: tenants[1].pushgateway.local_port {INSIDE} is inside the kernel's ephemeral port range "
        f"{EPHEMERAL[0]}-{EPHEMERAL[1]} (/proc/sys/net/ipv4/ip_local_port_range)")
    assert "leave local_port out" in str(refused.value)


def test_two_tenants_with_one_port_are_refused_naming_both(tmp_path):
    path = tenants_file(tmp_path, entry("alice", 19091), entry("bob", 19095), entry("carol", 19091))
    with pytest.raises(TenantsFileError) as refused:
        load_tenants(path)
    assert str(refused.value) == (f"{path}: tenants[2].pushgateway.local_port 19091 is also "
                                  f"{path}: tenants[0].pushgateway.local_port: each setting needs a port of its own")


def test_a_tenant_port_that_platform_yaml_has_is_refused_naming_both_files(tmp_path):
    path = tenants_file(tmp_path, entry("alice", 19091), entry("bob", 18333))
    with pytest.raises(SettingsError) as refused:
        Ports.configured(load_settings(), load_tenants(path))
    assert str(refused.value) == (f"{path}: tenants[1].pushgateway.local_port 18333 is also "
                                  "platform/local/platform.yaml: s3.s3_port: each setting needs a port of its own")
    # The committed files agree with each other.
    ports = Ports.configured(load_settings(), load_tenants())
    assert ports.pushgateways == {t.name: t.local_port for t in load_tenants()}


@pytest.mark.parametrize(("changes", "message"), [
    ({"prometheus": INSIDE}, f"prometheus.port {INSIDE} is inside the kernel's ephemeral port range"),
    ({"filer_port": 18333}, "s3.filer_port 18333 is also {path}: s3.s3_port: each setting needs a port of its own"),
    ({"s3_grpc_port": DERIVED_PORTS.start}, f"s3.s3_grpc_port {DERIVED_PORTS.start} is inside "
                                            f"{DERIVED_PORTS.start}-{DERIVED_PORTS.stop - 1}, where tenants without "
                                            "pushgateway.local_port get theirs"),
], ids=["ephemeral", "shared", "derived-range"])
def test_platform_yaml_ports_are_refused_when_loaded(tmp_path, changes, message):
    path = settings_file(tmp_path, **changes)
    with pytest.raises(SettingsError) as refused:
        load_settings(path)
    assert str(refused.value).startswith(f"{path}: ") and message.format(path=path) in str(refused.value)


def test_free_ports_are_the_kernels_and_ignore_configured_ones(tmp_path):
    tenants = load_tenants(tenants_file(tmp_path, entry("alice", 19091), entry("carol")))
    ports = Ports.free(tenants)
    assert sorted(ports.pushgateways) == ["alice", "carol"]
    assert 19091 not in ports.pushgateways.values()


def test_kind_forwards_a_tenant_without_a_local_port_to_its_derived_port(tmp_path):
    carol, = load_tenants(tenants_file(tmp_path, entry("carol")))
    kind = KindPlatform(tenants=[carol])
    assert kind.env_pushgateway_url(carol) == f"http://127.0.0.1:{carol.local_port}"
    assert kind.env_notes(carol)[1].endswith(f" {carol.local_port}:9091")
