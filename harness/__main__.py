"""`python -m harness --platform local|kind up|down|status|env TENANT|image` (what the Makefile calls)."""
from __future__ import annotations

import argparse
import shlex
import shutil
import subprocess
import sys
import traceback

from harness.tenants import TenantsFileError, tenant_by_name

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


def _say(line: str) -> None:
    print(line, flush=True)


def _local(args: argparse.Namespace) -> int:
    from harness.local import LocalPlatform

    platform = LocalPlatform(say=_say)
    if args.verb == "up":
        _say(f"local platform: starting (state in {platform.state_dir})")
        platform.up()
        _say("local platform: up")
        for line in platform.where_lines():
            _say(line)
        _say("  Push as a tenant:  eval \"$(make env TENANT=alice)\"   Stop: make down")
        return EXIT_OK
    if args.verb == "down":
        if not platform.state_file.exists():
            _say(f"local platform: nothing to stop (no {platform.state_file})")
            return EXIT_OK
        platform.down()
        _say("local platform: down")
        return EXIT_OK
    if args.verb == "status":
        for line in platform.status_lines():
            _say(line)
        return EXIT_OK if platform.is_up() else EXIT_ERROR
    if args.verb == "env":
        tenant = tenant_by_name(args.tenant, platform.tenants)
        if not platform.is_up():
            print("# note: the local platform is not up (make up); these are its configured addresses",
                  file=sys.stderr)
        for name, value in platform.tenant_env(tenant).items():
            print(f"export {name}={shlex.quote(value)}")
        return EXIT_OK
    if args.verb == "image":
        return _local_image()
    raise AssertionError(args.verb)


def _local_image() -> int:
    """The local runner maps the Simplepipe image to the venv's CLI; building it is only a check."""
    docker = shutil.which("docker")
    if docker is None:
        _say("local platform: no image needed (the local workflow runner runs the venv's `simplepipe` for "
             "ghcr.io/simplepipe/simplepipe:*); install docker to build simplepipe/Dockerfile anyway")
        return EXIT_OK
    from harness.kind.image import DOCKERFILE, image_tag
    from harness.tenants import REPO_ROOT

    tag = image_tag()
    _say(f"building {tag} from {DOCKERFILE}")
    return subprocess.call([docker, "build", "--file", str(DOCKERFILE), "--tag", tag, str(REPO_ROOT)])


def _kind(args: argparse.Namespace) -> int:
    try:
        import harness.kind as kind
    except ImportError as exc:
        print(f"error: the kind backend (harness/kind/) is not available: {exc}", file=sys.stderr)
        return EXIT_ERROR
    verbs = {"up": kind.cli_up, "down": kind.cli_down, "status": kind.cli_status, "image": kind.cli_image,
             "env": lambda: kind.cli_env(args.tenant)}
    return verbs[args.verb]()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness", description=__doc__)
    parser.add_argument("--platform", choices=("local", "kind"), default="local")
    parser.add_argument("--verbose", action="store_true", help="show the traceback of errors")
    verbs = parser.add_subparsers(dest="verb", required=True)
    verbs.add_parser("up", help="start the platform (idempotent) and wait until it is ready")
    verbs.add_parser("down", help="stop everything `up` started, and only that")
    verbs.add_parser("status", help="what runs, where; exit 1 when the platform is not up")
    env = verbs.add_parser("env", help="shell export lines to push as TENANT")
    env.add_argument("tenant")
    verbs.add_parser("image", help="build the Simplepipe image (kind: and load it into the cluster)")
    args = parser.parse_args(argv)
    try:
        return _local(args) if args.platform == "local" else _kind(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except (TenantsFileError, Exception) as exc:  # noqa: BLE001 - one line for the user, --verbose for the rest
        from harness.local.errors import LocalPlatformError

        if args.verbose or not isinstance(exc, (LocalPlatformError, TenantsFileError, TimeoutError)):
            traceback.print_exc()
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE if isinstance(exc, TenantsFileError) and args.verb == "env" else EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
