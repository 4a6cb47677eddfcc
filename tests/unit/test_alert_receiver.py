"""The local alert receiver records Alertmanager's notifications per receiver and refuses anything else."""
from __future__ import annotations

import http.client
import json
import threading

import pytest

from harness.alert_receiver import MAX_BODY_BYTES, AlertReceiver, read_deliveries, write_receivers

NOTIFICATION = {"status": "firing", "receiver": "tenant-bob", "alerts": [
    {"status": "firing", "labels": {"alertname": "SimplepipeJobFailed", "tenant": "bob", "job": "bob-nightly"},
     "annotations": {"summary": "Job bob-nightly of tenant bob failed"}}]}


TOKEN = "alertmanagers-token"
AUTHORIZED = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def receiver(tmp_path):
    write_receivers(tmp_path / "receivers", ["alice", "bob", "administrator"])
    (tmp_path / "token").write_text(TOKEN + "\n")
    server = AlertReceiver(tmp_path, tmp_path / "receivers", 0, token_file=tmp_path / "token")
    # A short poll: shutdown() waits for the loop to notice, 0.5 s per test with the default.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def post(server, path: str, body: bytes, headers: dict | None = None, token: bool = True) -> int:
    """POST as Alertmanager would (with its token), or without it."""
    connection = http.client.HTTPConnection(*server.server_address, timeout=5)
    try:
        connection.request("POST", path, body=body, headers={**(AUTHORIZED if token else {}), **(headers or {})})
        return connection.getresponse().status
    finally:
        connection.close()


def test_a_notification_is_recorded_for_its_receiver_only(receiver, tmp_path):
    assert post(receiver, "/bob", json.dumps(NOTIFICATION).encode()) == 200
    [delivery] = read_deliveries(tmp_path, "bob")
    assert delivery["status"] == "firing" and delivery["receiver"] == "bob"
    assert delivery["alerts"][0]["labels"]["tenant"] == "bob"
    assert read_deliveries(tmp_path, "alice") == [] and read_deliveries(tmp_path, "administrator") == []


@pytest.mark.parametrize("path, body, expected", [
    ("/mallory", b"{}", 404),
    ("/../bob", b"{}", 404),
    ("/bob", b"not json", 400),
    ("/bob", b"[1, 2]", 400),
])
def test_unknown_receivers_and_bad_bodies_are_refused_and_not_recorded(receiver, tmp_path, path, body, expected):
    assert post(receiver, path, body) == expected
    assert read_deliveries(tmp_path, "bob") == []


def test_an_oversized_body_is_refused_before_it_is_read(receiver, tmp_path):
    status = post(receiver, "/bob", b"{}", {"Content-Length": str(MAX_BODY_BYTES + 1)})
    assert status == 413
    assert read_deliveries(tmp_path, "bob") == []


def test_a_receiver_added_to_the_file_is_known_without_a_restart(receiver, tmp_path):
    assert post(receiver, "/carol", b"{}") == 404
    write_receivers(tmp_path / "receivers", ["alice", "bob", "carol", "administrator"])
    assert post(receiver, "/carol", b"{}") == 200
    assert len(read_deliveries(tmp_path, "carol")) == 1


def test_last_returns_the_newest_deliveries(receiver, tmp_path):
    for status in ("firing", "resolved", "firing"):
        assert post(receiver, "/alice", json.dumps({**NOTIFICATION, "status": status}).encode()) == 200
    assert [d["status"] for d in read_deliveries(tmp_path, "alice", last=2)] == ["resolved", "firing"]


@pytest.mark.parametrize("headers", [
    pytest.param({}, id="no-token"),
    pytest.param({"Authorization": "Bearer not-the-token"}, id="wrong-token"),
    pytest.param({"Authorization": f"Bearer {TOKEN}x"}, id="longer-token"),
    pytest.param({"Authorization": f"Basic {TOKEN}"}, id="not-bearer"),
    pytest.param({"Authorization": "Bearer "}, id="empty-token"),
])
def test_a_notification_without_alertmanagers_token_is_refused_and_not_recorded(receiver, tmp_path, headers):
    assert post(receiver, "/bob", json.dumps(NOTIFICATION).encode(), headers, token=False) == 401
    assert read_deliveries(tmp_path, "bob") == []


def test_no_token_file_lets_nobody_in(receiver, tmp_path):
    """The token file gone (or emptied) refuses everyone rather than accepting anyone."""
    (tmp_path / "token").write_text("")
    assert post(receiver, "/bob", json.dumps(NOTIFICATION).encode(), {"Authorization": "Bearer "}, token=False) == 401
    (tmp_path / "token").unlink()
    assert post(receiver, "/bob", json.dumps(NOTIFICATION).encode()) == 401
    assert read_deliveries(tmp_path, "bob") == []
