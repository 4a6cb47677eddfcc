"""Connection options, credentials and redaction: the SDK's UsageError and the CLI's exit 2 with the
same one line (no network)."""
import base64
import subprocess
import sys

import pytest

from simplepipe import GatewayRefusedError, GatewayUnreachableError, Pushgateway, UsageError
from simplepipe.cli import main
from simplepipe.errors import redact
from simplepipe.grouping_key import GroupingKey
from simplepipe.settings import GatewayAddress

CLEAN_ENV = {"PATH": "/usr/bin:/bin"}


@pytest.fixture(autouse=True)
def no_gateway_env(monkeypatch):
    for name in ("SIMPLEPIPE_PUSHGATEWAY_URL", "PUSH_GATEWAY_HOSTNAME", "SIMPLEPIPE_PUSHGATEWAY_USERNAME",
                 "SIMPLEPIPE_PUSHGATEWAY_PASSWORD", "SIMPLEPIPE_PUSHGATEWAY_TOKEN"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("options, message", [
    ({"timeout": 0}, "timeout must be a finite number of seconds > 0, not 0"),
    ({"timeout": -1}, "timeout must be"),
    ({"timeout": float("nan")}, "timeout must be"),
    ({"timeout": float("inf")}, "timeout must be"),
    ({"retries": -5}, "retries must be an integer >= 0, not -5"),
    ({"retries": 1.5}, "retries must be an integer"),
    ({"backoff": -1}, "backoff must be"),
])
def test_sdk_refuses_bad_timing(options, message):
    with pytest.raises(UsageError, match=message):
        Pushgateway("http://127.0.0.1:9091", identity=None, **options)


@pytest.mark.parametrize("url, message", [
    ("http://127.0.0.1:70000", "not a valid URL"),
    ("http://127.0.0.1:0", "port 0"),
    ("http://127.0.0.1:abc", "not a valid URL"),
    ("http://[::1", "not a valid URL"),
    ("ftp://host", "must be http:// or https://"),
    ("http://", "has no host"),
    ("http://host:9091/?tenant=a", "query string or fragment"),
    ("http://host:9091/prefix#frag", "query string or fragment"),
    ("http://host:9091?", "query string or fragment"),
    ("http://ho st:9091", "blank or control character"),
    ("http://user@host:9091", "a user but no password"),
])
def test_sdk_refuses_bad_urls(url, message):
    with pytest.raises(UsageError, match=message):
        Pushgateway(url, identity=None)


@pytest.mark.parametrize("args, message", [
    (["--timeout", "0"], "timeout must be a finite number of seconds > 0, not 0.0"),
    (["--timeout", "nan"], "timeout must be"),
    (["--timeout", "-1"], "timeout must be"),
    (["--timeout", "abc"], "--timeout 'abc' is not a number"),
    (["--retries", "-5"], "retries must be an integer >= 0, not -5"),
    (["--retries", "x"], "--retries 'x' is not an integer"),
    (["--url", "http://127.0.0.1:70000"], "not a valid URL"),
    (["--url", "http://h/?a=b"], "query string"),
])
def test_cli_bad_options_exit_2_at_once_one_line(args, message, capsys):
    assert main(["delete", "--job", "j", "--url", "http://127.0.0.1:9", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_cli_dry_run_checks_options_too(tmp_path, capsys):
    path = tmp_path / "m.prom"
    path.write_text("a 1\n")
    assert main(["push", str(path), "--job", "j", "--dry-run", "--timeout", "nan"]) == 2
    assert "timeout must be" in capsys.readouterr().err


def test_url_credentials_become_basic_auth_and_leave_the_url():
    gateway = Pushgateway("http://al%40ice:p%3Ass@gw:9091/", identity=None)
    assert gateway.url == "http://gw:9091"
    assert gateway.prepare("DELETE", None, "j").headers["Authorization"] == "Basic " + base64.b64encode(b"al@ice:p:ss").decode()
    assert GatewayAddress.parse("gw:9091") == GatewayAddress("http://gw:9091")


@pytest.mark.parametrize("options", [{"username": "u", "password": "p"}, {"token": "t"}])
def test_url_credentials_with_other_credentials_are_refused(options):
    with pytest.raises(UsageError, match="credentials given twice") as info:
        Pushgateway("http://u:secret1@gw:9091", identity=None, **options)
    assert "secret1" not in str(info.value)


def test_command_line_url_credentials_replace_the_environment_ones():
    env = {"SIMPLEPIPE_PUSHGATEWAY_USERNAME": "envuser", "SIMPLEPIPE_PUSHGATEWAY_PASSWORD": "envpass"}
    gateway = Pushgateway.from_env(env, url="http://cli:clipass@gw:9091")
    assert gateway.prepare("DELETE", None, "j").headers["Authorization"] == "Basic " + base64.b64encode(b"cli:clipass").decode()


@pytest.mark.parametrize("options, what", [
    ({"token": "abc\r\nX-Evil: 1"}, "bearer token"),
    ({"token": "abc def"}, "bearer token"),
    ({"token": "tökén"}, "bearer token"),
    ({"username": "u", "password": "pa\nss"}, "basic-auth password"),
    ({"username": "u\r", "password": "pass"}, "basic-auth username"),
    ({"username": "u:v", "password": "pass"}, "must not contain ':'"),
])
def test_credentials_that_cannot_be_a_header_are_usage_errors_not_shown(options, what):
    with pytest.raises(UsageError, match=what) as info:
        Pushgateway("http://gw:9091", identity=None, **options)
    secret = options.get("token") or options["password"]
    assert secret not in str(info.value) and "\n" not in str(info.value)


def test_cli_token_with_line_break_exit_2_without_traceback_or_token():
    result = subprocess.run([sys.executable, "-m", "simplepipe", "delete", "--job", "j", "--url", "http://127.0.0.1:9",
                             "--token", "s3cr3t-token\r\nX: y"], capture_output=True, text=True, env=CLEAN_ENV)
    assert result.returncode == 2 and "Traceback" not in result.stderr and "s3cr3t" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("url", ["http://u:pa/ss@gw:9091", "http://u:p?ss@gw", "http://u:p#ss@gw:99999",
                                 "ftp://u:pass@gw", "http://u:pass@gw:9091/?q"])
def test_messages_about_a_bad_url_never_show_its_password(url):
    with pytest.raises(UsageError) as info:
        Pushgateway(url, identity=None)
    message = str(info.value)
    assert "ss@" not in message and "pass" not in message and "***@" in message


def test_redact_keeps_group_paths_and_hides_userinfo_and_secrets():
    assert redact("see http://u:p@gw:9091/metrics/job@base64/YS9i now") == \
        "see http://***@gw:9091/metrics/job@base64/YS9i now"
    assert redact("token s3cret-token echoed", ["s3cret-token"]) == "token *** echoed"


def test_every_gateway_error_message_is_redacted():
    unreachable = GatewayUnreachableError("https://u:pw@gw/metrics/job/j", "refused", 1)
    refused = GatewayRefusedError("PUT", "http://gw/metrics/job/j", 307, "", location="http://u:pw@other/")
    assert "pw" not in str(unreachable) and "pw" not in str(refused)


def test_the_worst_case_is_timeout_times_attempts_plus_the_backoffs():
    gateway = Pushgateway("http://gw:9091", identity=None, timeout=2, retries=3, backoff=0.5, max_backoff=1.5)
    # retry 1 at once; retry 2: 0.5 x 2 + 0.5 jitter = 1.5; retry 3: min(1.5, 0.5 x 4 + 0.5) = 1.5
    assert gateway.worst_case_seconds == pytest.approx(2 * 4 + 0 + 1.5 + 1.5)


@pytest.mark.parametrize("value, segment", [
    (".", "run@base64/Lg=="), ("..", "run@base64/Li4="), ("", "run@base64/="), ("a/b", "run@base64/YS9i"),
    ("%", "run/%25"), ("...", "run/..."),
])
def test_values_a_path_would_mangle_use_base64(value, segment):
    assert GroupingKey("j", {"run": value}).path() == f"/metrics/job/j/{segment}"
    assert GroupingKey(value or "x").path().startswith("/metrics/job")


@pytest.mark.parametrize("call, message", [
    (lambda g: g.push({"a": 1}, "j"), "metrics must be a MetricSet"),
    (lambda g: g.push(b"a 1\n", "j", "stage=x"), "grouping key must be a mapping"),
    (lambda g: g.delete("j", {1: "a"}), "not a valid label name"),
    (lambda g: g.delete(None), "job name"),
])
def test_sdk_misuse_is_a_usage_error(call, message):
    with pytest.raises(UsageError, match=message):
        call(Pushgateway("http://127.0.0.1:9", identity=None))
