"""The local platform's own credentials: generated once per state folder, owner-only, kept across `up`s, and
what each server is given of them (harness.local.credentials, harness.local.seaweedfs)."""
from __future__ import annotations

import stat
import tomllib

import bcrypt
import pytest
import yaml
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from harness.local import certificates, seaweedfs
from harness.local.credentials import ADMINISTRATOR, administrator_login, ensure_credentials
from harness.local.errors import NotRunningError
from harness.local.layout import Layout


def secret_files(layout: Layout) -> list:
    weed = layout.seaweedfs_config
    return [layout.administrator_password, layout.administrator_web_config, layout.receiver_token,
            weed / seaweedfs.SECURITY_FILE, weed / seaweedfs.CA_FILE, weed / seaweedfs.CERTIFICATE_FILE,
            weed / seaweedfs.KEY_FILE]


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_before_the_first_up_there_is_no_login_and_the_error_says_to_start(tmp_path):
    with pytest.raises(NotRunningError, match="make up"):
        administrator_login(Layout(tmp_path))


def test_every_credential_is_generated_owner_only(tmp_path):
    layout = Layout(tmp_path)
    ensure_credentials(layout)
    files = secret_files(layout)
    assert {str(path): mode(path) for path in files} == {str(path): 0o600 for path in files}
    assert mode(layout.config()) == 0o700 and mode(layout.administrator_password.parent) == 0o700
    user, password = administrator_login(layout)
    assert user == ADMINISTRATOR and len(password) >= 40
    users = yaml.safe_load(layout.administrator_web_config.read_text())["basic_auth_users"]
    assert list(users) == [ADMINISTRATOR] and bcrypt.checkpw(password.encode(), users[ADMINISTRATOR].encode())
    assert layout.receiver_token.read_text() not in (password, "")


def test_an_up_again_keeps_them_and_a_deleted_one_is_made_again_alone(tmp_path):
    layout = Layout(tmp_path)
    ensure_credentials(layout)
    before = {path: path.read_text() for path in secret_files(layout)}
    ensure_credentials(layout)
    assert {path: path.read_text() for path in secret_files(layout)} == before  # running servers keep accepting them

    layout.receiver_token.unlink()
    ensure_credentials(layout)
    after = {path: path.read_text() for path in secret_files(layout)}
    assert after[layout.receiver_token] != before[layout.receiver_token]
    assert {p: t for p, t in after.items() if p != layout.receiver_token} == \
        {p: t for p, t in before.items() if p != layout.receiver_token}


def test_two_platforms_get_different_credentials(tmp_path):
    first, second = Layout(tmp_path / "a"), Layout(tmp_path / "b")
    ensure_credentials(first)
    ensure_credentials(second)
    assert administrator_login(first) != administrator_login(second)
    assert first.receiver_token.read_text() != second.receiver_token.read_text()


def test_weeds_security_signs_volume_writes_hides_the_filer_and_asks_every_grpc_port_for_the_certificate(tmp_path):
    layout = Layout(tmp_path)
    ensure_credentials(layout)
    weed = layout.seaweedfs_config
    security = tomllib.loads((weed / seaweedfs.SECURITY_FILE).read_text())
    keys = [security["jwt"]["signing"]["key"], security["jwt"]["filer_signing"]["key"],
            security["jwt"]["filer_signing"]["read"]["key"]]
    assert all(len(key) >= 40 for key in keys) and len(set(keys)) == 3
    assert security["access"]["ui"] is False and security["filer"]["expose_directory_metadata"]["enabled"] is False
    assert security["grpc"]["ca"] == str(weed / seaweedfs.CA_FILE)
    for section in ("master", "volume", "filer", "s3", "client"):
        assert security["grpc"][section] == {"cert": str(weed / seaweedfs.CERTIFICATE_FILE),
                                             "key": str(weed / seaweedfs.KEY_FILE)}, section


def test_the_certificate_is_the_authoritys_and_serves_both_ends():
    pair = certificates.issue("test", "127.0.0.1")
    authority = x509.load_pem_x509_certificate(pair.ca_certificate.encode())
    certificate = x509.load_pem_x509_certificate(pair.certificate.encode())
    certificate.verify_directly_issued_by(authority)
    usages = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert set(usages) == {ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH}
    assert "PRIVATE KEY" in pair.key and "PRIVATE KEY" not in pair.ca_certificate + pair.certificate


def test_weed_is_started_with_its_security_and_without_the_master_and_filer_http_apis(tmp_path):
    argv = seaweedfs.weed_argv(tmp_path / "weed", tmp_path / "data", tmp_path / "logs", tmp_path / "ids.json",
                               {key: 1 for key in ("master_port", "master_grpc_port", "volume_port", "volume_grpc_port",
                                                   "filer_port", "filer_grpc_port", "s3_port", "s3_grpc_port")},
                               config_dir=tmp_path / "security")
    # -config_dir is weed's global flag: before the command.
    assert argv.index(f"-config_dir={tmp_path / 'security'}") < argv.index("server") < argv.index("-disableHttp")
