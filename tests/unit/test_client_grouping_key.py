"""Grouping key path encoding and the Pushgateway settings from the environment."""
import base64

import pytest

from simplepipe.errors import UsageError
from simplepipe.grouping_key import GroupingKey, encode_path_segment
from simplepipe.pushgateway import Pushgateway
from simplepipe.settings import GatewayAddress, GatewaySettings


def test_plain_values_are_percent_encoded():
    assert encode_path_segment("stage", "a b") == "stage/a%20b"
    assert encode_path_segment("who", "zoë") == "who/zo%C3%AB"


def test_slash_and_empty_values_use_base64():
    assert encode_path_segment("path", "a/b") == "path@base64/" + base64.urlsafe_b64encode(b"a/b").decode()
    assert encode_path_segment("path", "") == "path@base64/="
    # URL-safe alphabet: never a '/' in the segment
    assert "/" not in encode_path_segment("p", "??>/")[len("p@base64/"):]


def test_job_is_encoded_too():
    assert GroupingKey("a/b").path() == "/metrics/job@base64/YS9i"
    assert GroupingKey("simple", {"stage": "train"}).path() == "/metrics/job/simple/stage/train"


@pytest.mark.parametrize("pairs, message", [
    (["novalue"], "expected key=value"),
    (["job=x"], "comes from --job"),
    (["1a=x"], "not a valid label name"),
    (["a=1", "a=2"], "given twice"),
])
def test_group_flags(pairs, message):
    with pytest.raises(UsageError, match=message):
        GroupingKey.parse_pairs("j", pairs)


def test_empty_job_refused():
    with pytest.raises(UsageError):
        GroupingKey("")


def test_legacy_variable_without_scheme():
    settings = GatewaySettings.from_environ({"PUSH_GATEWAY_HOSTNAME": "pushgateway:9091"})
    assert GatewayAddress.parse(settings.url).url == "http://pushgateway:9091"


def test_new_variable_wins_over_legacy_and_credentials_are_read():
    settings = GatewaySettings.from_environ({
        "PUSH_GATEWAY_HOSTNAME": "old:9091", "SIMPLEPIPE_PUSHGATEWAY_URL": "https://new:9091/",
        "SIMPLEPIPE_PUSHGATEWAY_USERNAME": "alice", "SIMPLEPIPE_PUSHGATEWAY_PASSWORD": "pw",
        "SIMPLEPIPE_PUSHGATEWAY_INSECURE_SKIP_VERIFY": "true"})
    assert (settings.url, settings.username, settings.password, settings.insecure_skip_verify) == (
        "https://new:9091/", "alice", "pw", True)
    assert GatewayAddress.parse(settings.url).url == "https://new:9091"


def test_no_address_is_a_usage_error():
    with pytest.raises(UsageError, match="SIMPLEPIPE_PUSHGATEWAY_URL"):
        Pushgateway.from_env({})


def test_token_and_basic_auth_are_exclusive():
    with pytest.raises(UsageError, match="either"):
        Pushgateway("http://x", username="a", password="b", token="t")


def test_group_url():
    gateway = Pushgateway("localhost:9091", identity=None)
    assert gateway.group_url("j", {"path": "/data/x"}) == \
        "http://localhost:9091/metrics/job/j/path@base64/" + base64.urlsafe_b64encode(b"/data/x").decode()


def test_from_env_overrides_win():
    env = {"SIMPLEPIPE_PUSHGATEWAY_URL": "http://a:1", "SIMPLEPIPE_PUSHGATEWAY_USERNAME": "alice",
           "SIMPLEPIPE_PUSHGATEWAY_PASSWORD": "pw", "ARGO_WORKFLOW_NAME": "wf"}
    gateway = Pushgateway.from_env(env)
    assert gateway.prepare("DELETE", None, "j").headers["Authorization"].startswith("Basic ") and gateway.identity.workflow == "wf"
    gateway = Pushgateway.from_env(env, url="http://b:2", token="t", identity=None)
    assert gateway.url == "http://b:2" and gateway.prepare("DELETE", None, "j").headers["Authorization"] == "Bearer t"
    assert gateway.identity is None
