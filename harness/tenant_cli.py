"""Argo's verbs for a tenant, on either backend: `python -m harness VERB --tenant T ...`.

    submit --tenant alice FILE [-p NAME=VALUE ...] [--watch] [-o name]
    list   --tenant alice
    get    --tenant alice NAME [--metrics]
    logs   --tenant alice NAME [--step STEP] [--follow]
    watch  --tenant alice NAME
    delete --tenant alice NAME
    template create --tenant alice FILE     # a WorkflowTemplate, created or replaced (the templateRefs' targets)
    template list   --tenant alice

They act as the tenant, in its namespace only (on kind with the tenant's own token through the Argo server), and
print what the argo CLI prints (harness.workflow_view). `submit` returns at once: the workflow keeps running after
the command exits; `--watch` follows it (Ctrl-C stops watching, not the workflow) and exits 0 only when it
Succeeded. Every error is one line on stderr with an exit code of EXIT_CODES (docs/tenant-cli.md)."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Callable, TextIO

import yaml

from harness.errors import (AccessDeniedError, ManifestRefusedError, PlatformError, PlatformNotUpError,
                            WorkflowNotFoundError)
from harness.platform import Platform
from harness.prometheus_api import PrometheusClient, PrometheusError
from harness.tenants import Tenant
from harness.workflow_view import ICONS, aligned, display_name, get_lines, list_lines, log_line
from harness.workflows import Phase, WorkflowRun
from simplepipe.errors import InvalidMetricsError
from simplepipe.formats.documents import load_yaml, yaml_problem

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_REFUSED, EXIT_NOT_FOUND, EXIT_NOT_UP, EXIT_UNSUCCESSFUL = 0, 1, 2, 3, 4, 5, 6
EXIT_INTERRUPTED = 130
EXIT_CODES = {
    EXIT_OK: "ok; `submit --watch` and `watch`: the workflow Succeeded",
    EXIT_ERROR: "the platform could not do it (the message says why), or `--timeout` ran out while watching",
    EXIT_USAGE: "usage: bad flags, a bad `-p NAME=VALUE`, an unknown tenant, a file that cannot be read",
    EXIT_REFUSED: "the manifest was refused (not YAML, or a field the backend refuses: the message names it)",
    EXIT_NOT_FOUND: "no such workflow (or step) in the tenant's namespace: not there, deleted, or another tenant's",
    EXIT_NOT_UP: "the platform is not up (`make up`)",
    EXIT_UNSUCCESSFUL: "`submit --watch` and `watch`: the workflow ended Failed or Error",
    EXIT_INTERRUPTED: "interrupted (Ctrl-C); a watched workflow keeps running",
}
# A manifest is one Kubernetes object: etcd's limit is about 1.5 MiB.
MAX_MANIFEST_BYTES = 1024 * 1024
MAX_MANIFEST_DEPTH = 64
WATCH_POLL_SECONDS = 1.0  # Argo's own watch redraws every second
DEFAULT_WATCH_TIMEOUT = 3600.0
CLEAR_SCREEN = "\033[H\033[2J"


class UsageError(Exception):
    """The command line is wrong; the message says which part."""


# -- what the verbs take ----------------------------------------------------------------------------------
def load_manifest(path: Path, kind: str = "Workflow") -> dict:
    """One Argo object of `kind` (Workflow, WorkflowTemplate) from a YAML or JSON file, within the limits hostile
    input gets."""
    try:
        with open(path, "rb") as file:
            data = file.read(MAX_MANIFEST_BYTES + 1)
    except OSError as exc:
        raise UsageError(f"{path}: cannot read it: {exc.strerror or exc}") from None
    if len(data) > MAX_MANIFEST_BYTES:
        raise ManifestRefusedError(f"{path}: larger than {MAX_MANIFEST_BYTES // 1024} KiB; a {kind} is one "
                                   "Kubernetes object")
    try:
        manifest = load_yaml(data.decode("utf-8"), str(path), MAX_MANIFEST_DEPTH)
    except UnicodeDecodeError:
        raise ManifestRefusedError(f"{path}: not UTF-8 text") from None
    except yaml.YAMLError as exc:
        raise ManifestRefusedError(f"{path}: {yaml_problem(exc)}") from None
    except InvalidMetricsError as exc:
        raise ManifestRefusedError(str(exc)) from None
    if not isinstance(manifest, dict) or manifest.get("kind") != kind:
        raise ManifestRefusedError(f"{path}: kind: expected an Argo {kind} (apiVersion argoproj.io/v1alpha1, "
                                   f"kind {kind}), one per file")
    return manifest


def apply_parameters(manifest: dict, pairs: list[str]) -> dict:
    """`-p NAME=VALUE` as `argo submit` applies them: the value of the workflow's spec.arguments.parameters[NAME].
    Stricter than Argo, which appends an unknown name silently: a typo is refused here, naming the declared ones."""
    if not pairs:
        return manifest
    spec = manifest.get("spec") if isinstance(manifest.get("spec"), dict) else {}
    arguments = spec.get("arguments") if isinstance(spec.get("arguments"), dict) else {}
    declared = [p for p in arguments.get("parameters") or [] if isinstance(p, dict)]
    names = [str(p.get("name")) for p in declared]
    given: dict[str, str] = {}
    for pair in pairs:
        name, equals, value = pair.partition("=")
        if not equals or not name:
            raise UsageError(f"-p {pair!r}: expected NAME=VALUE")
        if name in given:
            raise UsageError(f"-p {name}: given twice")
        if name not in names:
            raise UsageError(f"-p {name}: the workflow declares no parameter {name!r} (spec.arguments.parameters: "
                             f"{', '.join(names) or 'none'})")
        given[name] = value
    for parameter in declared:
        if parameter.get("name") in given:
            parameter["value"] = given[parameter["name"]]
    return manifest


def tenant_of(platform: Platform, name: str) -> Tenant:
    known = [t.name for t in platform.tenants]
    if name not in known:
        raise UsageError(f"unknown tenant {name!r}; platform/tenants.yaml has: {', '.join(known)}")
    return platform.tenant(name)


def require_up(platform: Platform) -> None:
    if not platform.is_up():
        raise PlatformNotUpError(f"the {platform.name} platform is not up: `make up PLATFORM={platform.name}` "
                                 f"(`make status PLATFORM={platform.name}` says what runs)")


# -- what the workflow pushed ----------------------------------------------------------------------------
def prometheus(platform: Platform) -> PrometheusClient:
    """The one place these verbs get Prometheus from: the platform's authenticated client (locally with the
    administrator's login, which this shell can read; the query itself is held to the tenant's stamped label)."""
    return platform.prometheus()


def _label_value(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def pushed_series(platform: Platform, tenant: Tenant, run: WorkflowRun) -> list[tuple[dict[str, str], float]]:
    """Every series of this run in Prometheus: the `argo_workflow` label Simplepipe adds inside a workflow, and
    the `tenant` label the platform stamps (nothing else a query could be steered with)."""
    query = f'{{argo_workflow="{_label_value(run.name)}", tenant="{_label_value(tenant.name)}"}}'
    return prometheus(platform).series(query)


def metrics_lines(series: list[tuple[dict[str, str], float]], run: WorkflowRun, scrape_seconds: float) -> list[str]:
    if not series:
        return [f"No series with argo_workflow={run.name!r} in Prometheus (yet: it scrapes every "
                f"{scrape_seconds:g} s; a step pushes them with `simplepipe push` inside the workflow)"]
    rows = [["METRIC", "VALUE", "LABELS"]]
    for labels, value in sorted(series, key=lambda s: (s[0].get("__name__", ""), sorted(s[0].items()))):
        shown = ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items()) if k != "__name__")
        rows.append([labels.get("__name__", ""), f"{value:g}", "{" + shown + "}"])
    return aligned(rows, 3)


# -- watching --------------------------------------------------------------------------------------------
def watch(platform: Platform, tenant: Tenant, name: str, out: TextIO, *, interactive: bool,
          timeout: float = DEFAULT_WATCH_TIMEOUT, poll: float = WATCH_POLL_SECONDS,
          clock: Callable[[], float] = time.monotonic) -> WorkflowRun:
    """Follow the workflow until it has finished: in a terminal the `argo get` view redrawn every second, as
    `argo submit --watch` does; elsewhere (a pipe, CI) one line per change of a node, then the view once.
    TimeoutError after `timeout` s, naming the workflow (which keeps running)."""
    deadline = clock() + timeout
    seen: dict[str, str] = {}
    while True:
        run = platform.workflow(tenant, name)
        if interactive:
            out.write(CLEAR_SCREEN + "\n".join(get_lines(run)) + "\n")
        else:
            for line in _changes(run, seen):
                out.write(line + "\n")
        out.flush()
        if run.finished:
            if not interactive:
                out.write("\n" + "\n".join(get_lines(run)) + "\n")
            return run
        if clock() >= deadline:
            raise TimeoutError(f"stopped watching workflow {name} after {timeout:g} s; it is {run.phase} and keeps "
                               f"running (`get {name}`, `delete {name}`)")
        time.sleep(poll)


def _changes(run: WorkflowRun, seen: dict[str, str]) -> list[str]:
    lines = []
    now = time.strftime("%H:%M:%S")
    for step in run.steps:
        state = f"{step.phase} {step.message}".strip()
        if seen.get(step.name) != state:
            seen[step.name] = state
            lines.append(f"{now}  {ICONS.get(Phase(step.phase), '')} {display_name(step.name)} ({step.template}): "
                         f"{state}")
    state = f"{run.phase} {run.message}".strip()
    if seen.get("") != state:
        seen[""] = state
        lines.append(f"{now}  workflow {run.name}: {state}")
    return lines


# -- the verbs -------------------------------------------------------------------------------------------
def _submit(platform: Platform, args: argparse.Namespace) -> int:
    tenant = tenant_of(platform, args.tenant)
    manifest = apply_parameters(load_manifest(args.file), args.parameter or [])
    require_up(platform)
    run = platform.submit(tenant, manifest)
    if args.output == "name":
        print(run.name, flush=True)
    elif not args.watch:
        print("\n".join(get_lines(run)), flush=True)
    if not args.watch:
        return EXIT_OK
    return _follow(platform, tenant, run.name, args)


def _watch(platform: Platform, args: argparse.Namespace) -> int:
    tenant = tenant_of(platform, args.tenant)
    require_up(platform)
    return _follow(platform, tenant, args.name, args)


def _follow(platform: Platform, tenant: Tenant, name: str, args: argparse.Namespace) -> int:
    try:
        run = watch(platform, tenant, name, sys.stdout, interactive=sys.stdout.isatty(), timeout=args.timeout)
    except KeyboardInterrupt:
        print(f"stopped watching; workflow {name} keeps running (`get {name}`, `delete {name}`)", file=sys.stderr)
        return EXIT_INTERRUPTED
    return EXIT_OK if run.phase == Phase.SUCCEEDED else EXIT_UNSUCCESSFUL


def _list(platform: Platform, args: argparse.Namespace) -> int:
    tenant = tenant_of(platform, args.tenant)
    require_up(platform)
    print("\n".join(list_lines(platform.workflows(tenant))))
    return EXIT_OK


def _get(platform: Platform, args: argparse.Namespace) -> int:
    tenant = tenant_of(platform, args.tenant)
    require_up(platform)
    run = platform.workflow(tenant, args.name)
    print("\n".join(get_lines(run)))
    if args.metrics:
        print(f"\nMetrics pushed by {run.name} (Prometheus: argo_workflow and tenant labels):")
        print("\n".join(metrics_lines(pushed_series(platform, tenant, run), run, platform.scrape_interval)))
    return EXIT_OK


def _logs(platform: Platform, args: argparse.Namespace) -> int:
    tenant = tenant_of(platform, args.tenant)
    require_up(platform)
    try:
        for pod, line in platform.step_logs(tenant, args.name, args.step, args.follow):
            print(log_line(pod, line), flush=args.follow)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    return EXIT_OK


def _delete(platform: Platform, args: argparse.Namespace) -> int:
    tenant = tenant_of(platform, args.tenant)
    require_up(platform)
    platform.delete_workflow(tenant, args.name)
    print(f"Workflow '{args.name}' deleted")
    return EXIT_OK


def _template_create(platform: Platform, args: argparse.Namespace) -> int:
    tenant = tenant_of(platform, args.tenant)
    manifest = load_manifest(args.file, "WorkflowTemplate")
    require_up(platform)
    try:
        name = platform.apply_workflow_template(tenant, manifest)
    except ManifestRefusedError as exc:  # the file, then the field the backend named
        raise ManifestRefusedError(f"{args.file}: {exc}") from None
    print(f"{'Name:':<20} {name}\n{'Namespace:':<20} {tenant.namespace}")  # `argo template create`'s lines
    return EXIT_OK


def _template_list(platform: Platform, args: argparse.Namespace) -> int:
    tenant = tenant_of(platform, args.tenant)
    require_up(platform)
    print("\n".join(aligned([["NAME"], *([name] for name in platform.workflow_templates(tenant))], 3)))
    return EXIT_OK


TEMPLATE_VERBS = {"create": _template_create, "list": _template_list}


def _template(platform: Platform, args: argparse.Namespace) -> int:
    return TEMPLATE_VERBS[args.template_verb](platform, args)


VERBS = {"submit": _submit, "list": _list, "get": _get, "logs": _logs, "watch": _watch, "delete": _delete,
         "template": _template}


def add_verbs(verbs: argparse._SubParsersAction) -> None:
    """The tenant verbs' parsers, beside `up`, `down`, ... in `python -m harness`."""
    def tenant_verb(name: str, help_text: str, named: bool = True, under=verbs) -> argparse.ArgumentParser:
        parser = under.add_parser(name, help=help_text, description=help_text,
                                  epilog=exit_codes_text(), formatter_class=argparse.RawDescriptionHelpFormatter)
        parser.add_argument("--tenant", required=True, help="act as this tenant of platform/tenants.yaml, in its "
                                                           "namespace only")
        if named:
            parser.add_argument("name", help="the workflow's name (as `submit` and `list` print it)")
        return parser

    submit = tenant_verb("submit", "submit an Argo Workflow manifest as the tenant; returns at once", named=False)
    submit.add_argument("file", type=Path, help="the Workflow manifest (YAML or JSON)")
    submit.add_argument("-p", "--parameter", action="append", metavar="NAME=VALUE",
                        help="a value for one of spec.arguments.parameters (repeatable)")
    submit.add_argument("--watch", action="store_true", help="follow it until it has finished; exit 0 only when "
                                                             "it Succeeded")
    submit.add_argument("-o", "--output", choices=["name"], help="`name`: print only the workflow's name")
    submit.add_argument("--timeout", type=float, default=DEFAULT_WATCH_TIMEOUT, help="stop watching after so many "
                        f"seconds (default {DEFAULT_WATCH_TIMEOUT:g}); the workflow keeps running")
    tenant_verb("list", "the tenant's workflows, newest first", named=False)
    get = tenant_verb("get", "a workflow's status and its node tree")
    get.add_argument("--metrics", action="store_true", help="also the series it pushed, read back from Prometheus")
    logs = tenant_verb("logs", "the logs of a workflow's steps, each line prefixed with its pod")
    logs.add_argument("--step", help="only this step (its name in the tree, its node name or its pod name)")
    logs.add_argument("--follow", action="store_true", help="keep printing as the steps write, until it has "
                                                             "finished")
    watch_parser = tenant_verb("watch", "follow a workflow until it has finished (Ctrl-C stops watching only)")
    watch_parser.add_argument("--timeout", type=float, default=DEFAULT_WATCH_TIMEOUT,
                              help=f"stop watching after so many seconds (default {DEFAULT_WATCH_TIMEOUT:g})")
    tenant_verb("delete", "stop a workflow and remove it")
    template = verbs.add_parser("template", help="the tenant's WorkflowTemplates, which its workflows name with "
                                                 "templateRef (`argo template`)")
    template_verbs = template.add_subparsers(dest="template_verb", required=True)
    create = tenant_verb("create", "create a WorkflowTemplate in the tenant's namespace, or replace the one of its "
                                   "name", named=False, under=template_verbs)
    create.add_argument("file", type=Path, help="the WorkflowTemplate manifest (YAML or JSON), one per file")
    tenant_verb("list", "the tenant's WorkflowTemplates", named=False, under=template_verbs)


def exit_codes_text() -> str:
    return "exit codes:\n" + "\n".join(f"  {code:<4}{meaning}" for code, meaning in EXIT_CODES.items())


def exit_code(exc: BaseException) -> int | None:
    """The exit code of an error a tenant verb meets; None for one these verbs do not know."""
    if isinstance(exc, UsageError):
        return EXIT_USAGE
    if isinstance(exc, ManifestRefusedError):
        return EXIT_REFUSED
    if isinstance(exc, (WorkflowNotFoundError, AccessDeniedError)):
        return EXIT_NOT_FOUND
    if isinstance(exc, PlatformNotUpError):
        return EXIT_NOT_UP
    if isinstance(exc, (PlatformError, PrometheusError, TimeoutError)):
        return EXIT_ERROR
    return None
