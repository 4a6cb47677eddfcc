"""The platform's commands (up, down, status, env, image) and a tenant's Argo verbs (submit, list, get, ...).

`python -m harness --platform local|kind VERB ...` is what the Makefile calls. One code path for every backend: each verb is a method of `harness.platform.Platform`;
the tenant's verbs (submit ... delete, as Argo's CLI has them) are harness.tenant_cli."""
from __future__ import annotations

import argparse
import shlex
import sys
import traceback
from pathlib import Path

from harness import tenant_cli
from harness.backends import PLATFORMS, create
from harness.errors import PlatformError
from harness.platform import Platform
from harness.prometheus_api import PrometheusError
from harness.tenants import TenantsFileError

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


def _say(line: str) -> None:
    print(line, flush=True)


def _up(platform: Platform, args: argparse.Namespace) -> int:
    _say(f"{platform.name} platform: starting (state in {platform.state_dir})")
    platform.up()
    _say(f"{platform.name} platform: up")
    for line in platform.where_lines():
        _say(line)
    _say(f"  Push as a tenant:  eval \"$(make env PLATFORM={platform.name} TENANT={platform.tenants[0].name})\""
         f"   Stop: make down PLATFORM={platform.name}")
    return EXIT_OK


def _down(platform: Platform, args: argparse.Namespace) -> int:
    platform.down()
    _say(f"{platform.name} platform: down")
    return EXIT_OK


def _status(platform: Platform, args: argparse.Namespace) -> int:
    for line in platform.status_lines():
        _say(line)
    return EXIT_OK if platform.is_up() else EXIT_ERROR


def _env(platform: Platform, args: argparse.Namespace) -> int:
    tenant = platform.tenant(args.tenant)
    if not platform.is_up():
        print(f"# note: the {platform.name} platform is not up (make up PLATFORM={platform.name}); "
              "these are its configured addresses", file=sys.stderr)
    for note in platform.env_notes(tenant):
        print(f"# {note}")
    for name, value in platform.tenant_env(tenant).items():
        print(f"export {name}={shlex.quote(value)}")
    return EXIT_OK


def _image(platform: Platform, args: argparse.Namespace) -> int:
    for line in platform.image():
        _say(line)
    return EXIT_OK


VERBS = {"up": _up, "down": _down, "status": _status, "env": _env, "image": _image, **tenant_cli.VERBS}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness", description=__doc__.splitlines()[0])
    parser.add_argument("--platform", choices=PLATFORMS, default="local")
    parser.add_argument("--verbose", action="store_true", help="show the traceback of errors")
    parser.add_argument("--state-dir", type=Path, help="local: the platform's state folder (default .state/local; "
                                                        "a test's platform lives elsewhere)")
    verbs = parser.add_subparsers(dest="verb", required=True)
    verbs.add_parser("up", help="start the platform (idempotent) and wait until it is ready")
    verbs.add_parser("down", help="stop everything `up` started, and only that")
    verbs.add_parser("status", help="what runs, where; exit 1 when the platform is not up")
    env = verbs.add_parser("env", help="shell export lines to push as TENANT")
    env.add_argument("tenant")
    verbs.add_parser("image", help="build the Simplepipe image (kind: and load it into the cluster)")
    tenant_cli.add_verbs(verbs)
    args = parser.parse_args(argv)
    platform: Platform | None = None
    try:
        local = {"say": _say, **({"state_dir": args.state_dir} if args.state_dir else {})}
        platform = create(args.platform, **local) if args.platform == "local" else create(args.platform)
        return VERBS[args.verb](platform, args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except (PlatformError, TenantsFileError, TimeoutError, tenant_cli.UsageError, PrometheusError) as exc:
        if args.verbose:  # one line for the user, --verbose for more
            traceback.print_exc()
        if args.verb in tenant_cli.VERBS:  # a backend's answer may span lines: a tenant reads one
            print(f"error: {' '.join(str(exc).split())}", file=sys.stderr)
            return tenant_cli.exit_code(exc) or EXIT_ERROR
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE if isinstance(exc, TenantsFileError) and args.verb == "env" else EXIT_ERROR
    finally:
        if platform is not None:
            platform.close()


if __name__ == "__main__":
    sys.exit(main())
