"""The `simplepipe` command: push, validate and delete metrics; maps error types to exit codes."""
from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from typing import Sequence

from simplepipe import __version__, formats
from simplepipe.errors import SimplepipeError, UsageError
from simplepipe.grouping_key import GroupingKey
from simplepipe.identity import WorkflowIdentity
from simplepipe.pushgateway import Pushgateway, exposition_for
from simplepipe.settings import CA_FILE, INSECURE_SKIP_VERIFY, PASSWORD, TOKEN, URL, USERNAME

EXIT_OK = 0
EXIT_UNEXPECTED = 1
EXIT_USAGE = 2
EXIT_INVALID = 3
EXIT_UNREACHABLE = 4
EXIT_REFUSED = 5

EPILOG = f"""exit codes: 0 ok, 2 usage error, 3 invalid metrics (nothing pushed),
4 Pushgateway unreachable after retries, 5 Pushgateway refused (its response is shown), 1 unexpected.
environment: {URL} (or PUSH_GATEWAY_HOSTNAME), {USERNAME}, {PASSWORD}, {TOKEN}, {CA_FILE},
{INSECURE_SKIP_VERIFY}, SIMPLEPIPE_WORKFLOW_IDENTITY=off."""


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
    gateway.add_argument("--timeout", type=float, default=10.0, help="seconds per request (default 10)")
    gateway.add_argument("--retries", type=int, default=3,
                         help="retries on connection errors and 5xx, with backoff (default 3)")
    gateway.add_argument("--gzip", action="store_true", help="gzip the request body")
    group = argparse.ArgumentParser(add_help=False)
    group.add_argument("--job", required=True, help="the grouping key's job label")
    group.add_argument("--group", action="append", metavar="KEY=VALUE",
                       help="another grouping key label (repeatable)")

    parser = argparse.ArgumentParser(
        prog="simplepipe", parents=[common], epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Validate metrics files and push them to a Prometheus Pushgateway.")
    parser.add_argument("--version", action="version", version=f"simplepipe {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    push = commands.add_parser("push", parents=[common, gateway, group], epilog=EPILOG,
                               formatter_class=argparse.RawDescriptionHelpFormatter,
                               help="validate FILE and push it in one request")
    push.add_argument("file", metavar="FILE", help="metrics file, or - for stdin")
    push.add_argument("--method", choices=("put", "post"), default="put",
                      help="put replaces the group (default), post replaces only metrics of the same names")
    push.add_argument("--format", choices=formats.FORMATS, help="input format (default: detected)")
    push.add_argument("--dry-run", action="store_true", help="print the body that would be sent; send nothing")
    push.add_argument("--no-identity", action="store_true", help="do not add argo_workflow/argo_template labels")

    validate = commands.add_parser("validate", parents=[common], epilog=EPILOG,
                                   formatter_class=argparse.RawDescriptionHelpFormatter,
                                   help="validate FILE (no network)")
    validate.add_argument("file", metavar="FILE", help="metrics file, or - for stdin")
    validate.add_argument("--format", choices=formats.FORMATS, help="input format (default: detected)")

    commands.add_parser("delete", parents=[common, gateway, group], epilog=EPILOG,
                        formatter_class=argparse.RawDescriptionHelpFormatter,
                        help="delete a group from the Pushgateway")

    gc = commands.add_parser("gc", parents=[common, gateway], epilog=EPILOG,
                             formatter_class=argparse.RawDescriptionHelpFormatter,
                             help="delete the groups whose last push is older than a duration")
    gc.add_argument("--older-than", required=True, metavar="DURATION",
                    help="e.g. 24h, 10m, 7d, 1h30m: groups whose last push (successful or not) is older go")
    gc.add_argument("--job", action="append", metavar="JOB", help="only groups of this job (repeatable; default all)")
    gc.add_argument("--dry-run", action="store_true", help="list the groups that would be deleted; delete nothing")
    return parser


def _gateway(args: argparse.Namespace, identity: bool = True) -> Pushgateway:
    options = {
        "url": args.url, "username": args.username, "password": args.password, "token": args.token,
        "ca_file": args.ca_file, "insecure_skip_verify": args.insecure_skip_verify,
        "timeout": args.timeout, "retries": args.retries, "gzip": args.gzip,
    }
    if not identity:
        options["identity"] = None
    return Pushgateway.from_env(**options)


def _push(args: argparse.Namespace) -> int:
    key = GroupingKey.parse_pairs(args.job, args.group)
    metrics = formats.load(args.file, args.format)  # validated before any connection is made
    method = args.method.upper()
    if args.dry_run:
        try:
            gateway = _gateway(args, identity=not args.no_identity)
        except UsageError:
            gateway = None  # no gateway configured: still show the body
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


def _validate(args: argparse.Namespace) -> int:
    metrics = formats.load(args.file, args.format)
    print(f"{metrics.source}: valid: {len(metrics)} metrics, {metrics.series_count} series")
    return EXIT_OK


def _delete(args: argparse.Namespace) -> int:
    key = GroupingKey.parse_pairs(args.job, args.group)
    with _gateway(args) as gateway:
        receipt = gateway.delete(key.job, key.labels)
    print(f"deleted group {key}: DELETE {receipt.url} -> HTTP {receipt.status}", file=sys.stderr)
    return EXIT_OK


def _gc(args: argparse.Namespace) -> int:
    from simplepipe import gc

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


COMMANDS = {"push": _push, "validate": _validate, "delete": _delete, "gc": _gc}


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    verbose = getattr(args, "verbose", False)
    return run(lambda: COMMANDS[args.command](args), verbose)


def run(action, verbose: bool) -> int:
    """Run a command; user errors become one line on stderr and their exit code."""
    try:
        return action()
    except SimplepipeError as error:
        if verbose:
            traceback.print_exc()
        print(f"simplepipe: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # noqa: BLE001 - the one place that turns bugs into exit code 1
        traceback.print_exc()
        print(f"simplepipe: unexpected error: {error!r} (please report it)", file=sys.stderr)
        return EXIT_UNEXPECTED


if __name__ == "__main__":
    sys.exit(main())
