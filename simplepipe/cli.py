"""The `simplepipe` command: push, validate and delete metrics; maps error types to exit codes."""
from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from typing import Sequence

from simplepipe import formats, gc, standard_checks
from simplepipe.errors import InvalidMetricsError, SimplepipeError, UsageError, redact
from simplepipe.grouping_key import GroupingKey
from simplepipe.identity import WorkflowIdentity
from simplepipe.limits import DEFAULT_MAX_BYTES, MAX_INPUT_BYTES, InputLimits, format_size
from simplepipe.pushgateway import Pushgateway, exposition_for
from simplepipe.settings import (CA_FILE, INSECURE_SKIP_VERIFY, PASSWORD, TOKEN, URL, USERNAME, GatewaySettings,
                                 retry_count, timeout_seconds)
from simplepipe.standard_catalogue import catalogue
from simplepipe.version import __version__

EXIT_OK = 0
EXIT_UNEXPECTED = 1
# The others are the error types' own (a failed command returns error.exit_code): 4 and 5 only ever come so.
EXIT_USAGE = UsageError.exit_code
EXIT_INVALID = InvalidMetricsError.exit_code

EPILOG = f"""exit codes: 0 ok, 2 usage error, 3 invalid metrics (nothing pushed),
4 Pushgateway unreachable after retries, 5 Pushgateway refused (its response is shown), 1 unexpected.
environment: {URL} (or PUSH_GATEWAY_HOSTNAME), {USERNAME}, {PASSWORD}, {TOKEN}, {CA_FILE},
{INSECURE_SKIP_VERIFY}, SIMPLEPIPE_WORKFLOW_IDENTITY=off, {MAX_INPUT_BYTES}."""


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                        help="print the traceback of errors")
    gateway = argparse.ArgumentParser(add_help=False)
    gateway.add_argument("--url", help=f"Pushgateway URL (default: ${URL})")
    gateway.add_argument("--username", help=f"basic-auth user (default: ${USERNAME})")
    gateway.add_argument("--password", help=f"basic-auth password (default: ${PASSWORD})")
    gateway.add_argument("--token", help=f"bearer token (default: ${TOKEN})")
    gateway.add_argument("--ca-file", help=f"CA bundle for https (default: ${CA_FILE})")
    gateway.add_argument("--insecure-skip-verify", action="store_true", default=None,
                         help="do not verify the gateway's TLS certificate")
    gateway.add_argument("--timeout", default="10",
                         help="seconds for each attempt: connect, send and the whole answer (default 10)")
    gateway.add_argument("--retries", default="3",
                         help="retries on connection errors and 5xx, with backoff (default 3); the command "
                              "ends within timeout x (retries + 1) + the backoffs")
    gateway.add_argument("--gzip", action="store_true", help="gzip the request body")
    standard = argparse.ArgumentParser(add_help=False)
    standard.add_argument("--standard", dest="standard", action="store_const", const="warn",
                          help="check names against the standard metrics (`simplepipe standard`) and map Kubeflow "
                               "and Seldon names onto them; --standard=strict: findings are errors (exit 3)")
    # `--standard=strict` arrives as this flag (see main): an optional value would swallow FILE.
    standard.add_argument("--standard-strict", dest="standard", action="store_const", const="strict",
                          help=argparse.SUPPRESS)
    source = argparse.ArgumentParser(add_help=False)
    source.add_argument("--max-input-size", metavar="SIZE",
                        help=f"refuse a FILE larger than this, e.g. 512KiB (default: ${MAX_INPUT_BYTES} "
                             f"or {format_size(DEFAULT_MAX_BYTES)})")
    group = argparse.ArgumentParser(add_help=False)
    group.add_argument("--job", required=True, help="the grouping key's job label")
    group.add_argument("--group", action="append", metavar="KEY=VALUE",
                       help="another grouping key label (repeatable)")

    parser = argparse.ArgumentParser(
        prog="simplepipe", parents=[common], epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Validate metrics files and push them to a Prometheus Pushgateway.")
    parser.add_argument("--version", action="version", version=f"simplepipe {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    push = commands.add_parser("push", parents=[common, gateway, group, standard, source], epilog=EPILOG,
                               formatter_class=argparse.RawDescriptionHelpFormatter,
                               help="validate FILE and push it in one request")
    push.add_argument("file", metavar="FILE", help="metrics file, or - for stdin")
    push.add_argument("--method", choices=("put", "post"), default="put",
                      help="put replaces the group (default), post replaces only metrics of the same names")
    push.add_argument("--format", choices=formats.FORMATS, help="input format (default: detected)")
    push.add_argument("--dry-run", action="store_true", help="print the body that would be sent; send nothing")
    push.add_argument("--no-identity", action="store_true", help="do not add argo_workflow/argo_template labels")

    validate = commands.add_parser("validate", parents=[common, standard, source], epilog=EPILOG,
                                   formatter_class=argparse.RawDescriptionHelpFormatter,
                                   help="validate FILE (no network)")
    validate.add_argument("file", metavar="FILE", help="metrics file, or - for stdin")
    validate.add_argument("--format", choices=formats.FORMATS, help="input format (default: detected)")

    commands.add_parser("delete", parents=[common, gateway, group], epilog=EPILOG,
                        formatter_class=argparse.RawDescriptionHelpFormatter,
                        help="delete a group from the Pushgateway")

    listing = commands.add_parser("standard", parents=[common], help="print the standard metrics catalogue")
    listing.add_argument("--format", choices=("table", "json"), default="table",
                         help="table (default), or json: a list of entries")
    gc = commands.add_parser("gc", parents=[common, gateway], epilog=EPILOG,
                             formatter_class=argparse.RawDescriptionHelpFormatter,
                             help="delete the groups whose last push is older than a duration")
    gc.add_argument("--older-than", required=True, metavar="DURATION",
                    help="e.g. 24h, 10m, 7d, 1h30m: groups whose last push (successful or not) is older go")
    gc.add_argument("--job", action="append", metavar="JOB", help="only groups of this job (repeatable; default all)")
    gc.add_argument("--dry-run", action="store_true", help="list the groups that would be deleted; delete nothing")
    return parser


def _number(text: str, kind: type, option: str) -> float | int:
    try:
        return kind(text)
    except ValueError:
        raise UsageError(f"{option} {text!r} is not {'a number' if kind is float else 'an integer'}") from None


def _timing(args: argparse.Namespace) -> tuple[float, int]:
    """--timeout and --retries, checked (usage errors) also when nothing is sent."""
    return (timeout_seconds(_number(args.timeout, float, "--timeout")),
            retry_count(_number(args.retries, int, "--retries")))


def _gateway(args: argparse.Namespace, identity: bool = True) -> Pushgateway:
    timeout, retries = _timing(args)
    options = {
        "url": args.url, "username": args.username, "password": args.password, "token": args.token,
        "ca_file": args.ca_file, "insecure_skip_verify": args.insecure_skip_verify,
        "timeout": timeout, "retries": retries, "gzip": args.gzip,
    }
    if not identity:
        options["identity"] = None
    return Pushgateway.from_env(**options)


def _push(args: argparse.Namespace) -> int:
    key = GroupingKey.parse_pairs(args.job, args.group)
    metrics, refused = _standard(args, _load(args))  # validated before any connection is made
    if refused:
        return EXIT_INVALID
    method = args.method.upper()
    if args.dry_run:
        gateway = None  # no gateway configured: still show the body
        if args.url or GatewaySettings.from_environ().url:
            gateway = _gateway(args, identity=not args.no_identity)  # bad options are usage errors here too
        else:
            _timing(args)
        if gateway is not None:
            url = gateway.group_url(key.job, key.labels)
            body = gateway.body(metrics, key.job, key.labels)
        else:
            url = f"<no gateway>{key.path()}"
            identity = None if args.no_identity else WorkflowIdentity.from_environ(os.environ)
            body = exposition_for(metrics, key, identity)
        print(f"# dry run: {method} {url} ({metrics.series_count} series)", file=sys.stderr)
        sys.stdout.write(body.decode("utf-8"))
        return EXIT_OK
    with _gateway(args, identity=not args.no_identity) as gateway:
        send = gateway.push if method == "PUT" else gateway.pushadd
        receipt = send(metrics, key.job, key.labels)
    print(f"pushed {receipt.series} series of {len(metrics)} metrics from {metrics.source}: "
          f"{receipt.method} {receipt.url} -> HTTP {receipt.status}", file=sys.stderr)
    return EXIT_OK


def _load(args: argparse.Namespace):
    return formats.load(args.file, args.format, limits=InputLimits.from_environ(os.environ, args.max_input_size))


def _validate(args: argparse.Namespace) -> int:
    metrics, refused = _standard(args, _load(args))
    if refused:
        return EXIT_INVALID
    print(f"{metrics.source}: valid: {len(metrics)} metrics, {metrics.series_count} series")
    return EXIT_OK


def _standard(args: argparse.Namespace, metrics):
    """(metrics mapped onto the catalogue, refused) with --standard; findings go to stderr."""
    return standard_checks.review(metrics, args.standard, sys.stderr) if args.standard else (metrics, False)


def _catalogue(args: argparse.Namespace) -> int:
    sys.stdout.write(catalogue().as_json() if args.format == "json" else catalogue().table())
    return EXIT_OK


def _delete(args: argparse.Namespace) -> int:
    key = GroupingKey.parse_pairs(args.job, args.group)
    with _gateway(args) as gateway:
        receipt = gateway.delete(key.job, key.labels)
    print(f"deleted group {key}: DELETE {receipt.url} -> HTTP {receipt.status}", file=sys.stderr)
    return EXIT_OK


def _gc(args: argparse.Namespace) -> int:
    older_than = gc.parse_duration(args.older_than)  # a bad duration is refused before any request
    with _gateway(args, identity=False) as gateway:
        now = time.time()
        done = gc.collect(gateway, older_than, jobs=args.job, dry_run=args.dry_run, now=now)
    verb = "would delete" if done.dry_run else "deleted"
    for group in done.stale:
        print(f"{verb} group {group.describe(now)}", file=sys.stderr)
    print(f"gc {gateway.url}: {verb} {len(done.stale)} groups last pushed more than {args.older_than} ago, "
          f"kept {done.kept}", file=sys.stderr)
    return EXIT_OK


COMMANDS = {"push": _push, "validate": _validate, "delete": _delete, "gc": _gc, "standard": _catalogue}
# `--standard=strict` spelled as the flag the parser knows (an optional value would swallow FILE).
_SPELLINGS = {"--standard=strict": "--standard-strict", "--standard=warn": "--standard"}


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = _parser().parse_args([_SPELLINGS.get(arg, arg) for arg in argv])
    verbose = getattr(args, "verbose", False)
    return run(lambda: COMMANDS[args.command](args), verbose)


def run(action, verbose: bool) -> int:
    """Run a command; user errors become one line on stderr and their exit code."""
    try:
        return action()
    except SimplepipeError as error:
        if verbose:
            print(redact(traceback.format_exc()), end="", file=sys.stderr)
        print(f"simplepipe: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # noqa: BLE001 - the one place that turns bugs into exit code 1
        print(redact(traceback.format_exc()), end="", file=sys.stderr)
        print(f"simplepipe: unexpected error: {redact(repr(error))} (please report it)", file=sys.stderr)
        return EXIT_UNEXPECTED


if __name__ == "__main__":
    sys.exit(main())
