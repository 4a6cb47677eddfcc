"""What `argo get`, `argo list`, `argo submit --watch` and `argo logs` print, for a WorkflowRun of either backend.

The columns, the tree's connectors and the duration and time wording are Argo's (cmd/argo/commands/common/get.go,
util/printer/workflow-printer.go and util/humanize at v4.0.6): a tenant who knows `argo get` reads this the same
way. The tree is read from the nodes' names, which are Argo's on both backends: `wf[0].step` is step `step` of
step group `[0]` of `wf`, `wf.task` a task of the DAG `wf`, `step(0)` an attempt of a retried step, `step(0:a)`
an item of a loop, `wf.onExit` the exit handler (a tree of its own, as Argo draws it)."""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from harness.runner.identity import pod_name
from harness.workflows import Phase, StepResult, WorkflowRun

# Argo's JobStatusIconMap (UTF-8): an Omitted node is not drawn at all.
ICONS = {Phase.PENDING: "◷", Phase.RUNNING: "●", Phase.SUCCEEDED: "✔", Phase.SKIPPED: "○", Phase.FAILED: "✖",
         Phase.ERROR: "⚠", Phase.OMITTED: ""}
ON_EXIT = "onExit"
GET_PADDING, LIST_PADDING = 2, 3  # tabwriter padding of `argo get`'s tree and of `argo list`


@dataclass
class Node:
    """One node of the tree: a step (Pod) as recorded, or a parent read from its children's names."""

    name: str
    display_name: str
    kind: str  # Pod | Steps | StepGroup | DAG | Retry (Argo's node types)
    template: str = ""
    phase: Phase = Phase.PENDING
    started_at: float | None = None
    finished_at: float | None = None
    message: str = ""
    pod: str = ""
    children: list["Node"] = field(default_factory=list)


# -- the node names ------------------------------------------------------------------------------------------
def _split_last(name: str) -> tuple[str, str, str] | None:
    """(parent, separator, last part) of a node name: separator is "(" (attempt or loop item), "[" (step group)
    or "." (step or task); None for a name with no parent. Brackets and parentheses nest (an item's value may
    hold dots)."""
    if name.endswith((")", "]")):
        close = name[-1]
        opening = "(" if close == ")" else "["
        depth = 0
        for index in range(len(name) - 1, -1, -1):
            if name[index] == close:
                depth += 1
            elif name[index] == opening:
                depth -= 1
                if depth == 0:
                    return (name[:index], opening, name[index:]) if index else None
        return None
    depth = 0
    for index in range(len(name) - 1, -1, -1):
        char = name[index]
        if char in ")]":
            depth += 1
        elif char in "([":
            depth -= 1
        elif char == "." and depth == 0:
            return name[:index], ".", name[index + 1:]
    return None


def parent_of(name: str) -> tuple[str, str] | None:
    """The parent's node name and the parent's kind, or None for a root. A loop item in a step group hangs
    from the group itself, as in Argo (there is no node for the looped step)."""
    split = _split_last(name)
    if split is None:
        return None
    parent, separator, last = split
    if separator == "[":
        return parent, "Steps"
    if separator == "(":
        if ":" in last:  # an item of withItems/withParam/withSequence
            above = _split_last(parent)
            if above is not None and above[1] == "." and above[0].endswith("]"):
                return above[0], "StepGroup"
            return parent, "TaskGroup"
        return parent, "Retry"
    return parent, ("StepGroup" if parent.endswith("]") else "DAG")


def display_name(name: str) -> str:
    split = _split_last(name)
    if split is None:
        return name
    parent, separator, last = split
    if separator == "(":  # Argo shows an attempt or item with its step's name: `step(0)`, `step(1:b)`
        above = _split_last(parent)
        return (above[2] if above is not None and above[1] == "." else parent) + last
    return last


def _loop_index(display: str) -> int:
    """Argo orders loop items by their index, not alphabetically: `step(10:x)` after `step(9:y)`."""
    if display.endswith(")") and "(" in display:
        head = display[display.rindex("(") + 1:-1].split(":", 1)[0]
        if head.isdigit():
            return int(head)
    return -1


# -- the tree ---------------------------------------------------------------------------------------------
def build_trees(run: WorkflowRun) -> list[Node]:
    """The workflow's tree, and the exit handler's when it ran; parents' phase and times from their children."""
    nodes: dict[str, Node] = {}
    for step in run.steps:
        nodes[step.name] = _leaf(run, step)
    for name in list(nodes):
        _attach(run, nodes, name)
    roots = [nodes.get(run.name) or Node(run.name, run.name, "Steps", run.entrypoint, _phase(run.phase))]
    roots[0].template = roots[0].template or run.entrypoint
    on_exit = nodes.get(f"{run.name}.{ON_EXIT}")
    if on_exit is not None:
        roots.append(on_exit)
    for root in roots:
        _summarise(root)
    roots[0].phase = _phase(run.phase) if roots[0].kind != "Pod" else roots[0].phase
    roots[0].message = run.message if roots[0].kind != "Pod" else roots[0].message
    return roots


def _leaf(run: WorkflowRun, step: StepResult) -> Node:
    return Node(step.name, display_name(step.name), "Pod", step.template, _phase(step.phase), step.started_at,
                step.finished_at, step.message, pod_name(run.name, step.name, step.template))


def _attach(run: WorkflowRun, nodes: dict[str, Node], name: str) -> None:
    if name == run.name or name == f"{run.name}.{ON_EXIT}":
        return
    found = parent_of(name)
    if found is None:
        return
    parent_name, kind = found
    parent = nodes.get(parent_name)
    if parent is None:
        parent = nodes[parent_name] = Node(parent_name, display_name(parent_name), kind)
        _attach(run, nodes, parent_name)
    if all(child.name != name for child in parent.children):
        parent.children.append(nodes[name])


def _phase(value: str) -> Phase:
    try:
        return Phase(value)
    except ValueError:
        return Phase.PENDING


def _summarise(node: Node) -> None:
    """A parent's phase and times from its children (Argo's own for a cluster's parents are the same rule)."""
    for child in node.children:
        _summarise(child)
    if not node.children:
        return
    node.children.sort(key=_order)
    phases = [c.phase for c in node.children if c.phase != Phase.OMITTED]
    if node.kind == "Retry":  # a retried step ends as its last attempt did
        node.phase = node.children[-1].phase
    elif node.kind != "Pod":
        if any(p in (Phase.RUNNING, Phase.PENDING) for p in phases):
            node.phase = Phase.RUNNING
        elif Phase.ERROR in phases:
            node.phase = Phase.ERROR
        elif Phase.FAILED in phases:
            node.phase = Phase.FAILED
        else:
            node.phase = Phase.SUCCEEDED
    starts = [c.started_at for c in node.children if c.started_at is not None]
    node.started_at = min(starts) if starts else None
    finishes = [c.finished_at for c in node.children]
    node.finished_at = max(finishes) if finishes and None not in finishes and node.phase.finished else None


def _order(node: Node) -> tuple:
    """Argo's order of siblings: by start time (one never started has Go's zero time: first), then by loop index,
    then by name."""
    index = _loop_index(node.display_name)
    return (node.started_at or 0.0, index if index >= 0 else float("inf"), node.display_name)


def progress(run: WorkflowRun) -> str:
    """Argo's `Progress`: finished pods of all pods."""
    pods = [s for s in run.steps if s.phase != Phase.OMITTED]
    return f"{sum(_phase(s.phase).finished for s in pods)}/{len(pods)}"


# -- durations and times, in Argo's words ---------------------------------------------------------------
_SHORT = ((1, None), (2, "1s"), (60, "{s}s"), (120, "1m"), (3600, "{m}m"), (7200, "1h"), (86400, "{h}h"),
          (172800, "1d"))


def short_duration(start: float | None, finish: float | None, now: float | None = None) -> str:
    """`5s`, `1m`, `2h` (humanize.RelativeDurationShort): a running node counts up to now."""
    if start is None:
        return "0s"
    seconds = max(0.0, (finish if finish is not None else (now or time.time())) - start)
    for limit, text in _SHORT:
        if seconds < limit:
            return "0s" if text is None else text.format(s=int(seconds), m=int(seconds // 60), h=int(seconds // 3600))
    return f"{int(seconds // 86400)}d"


def _unit(count: int, unit: str) -> str:
    return f"{count} {unit}" if count == 1 else f"{count} {unit}s"


def long_duration(seconds: float) -> str:
    """`8 seconds`, `1 minute 30 seconds`, `2 hours 5 minutes` (humanize.Duration)."""
    seconds = max(0.0, seconds)
    if seconds < 60:
        return _unit(int(seconds), "second")
    if seconds < 3600:
        return f"{_unit(int(seconds // 60), 'minute')} {int(seconds % 60)} seconds"
    if seconds < 86400:
        return f"{_unit(int(seconds // 3600), 'hour')} {int(seconds % 3600 // 60)} minutes"
    return f"{_unit(int(seconds // 86400), 'day')} {int(seconds % 86400 // 3600)} hours"


def timestamp(at: float, now: float | None = None) -> str:
    """`Mon Jan 02 15:04:05 +0000 (3 seconds ago)` (humanize.Timestamp)."""
    ago = max(0.0, (now or time.time()) - at)
    if ago < 1:
        relative = "now"
    elif ago < 60:
        relative = f"{_unit(int(ago), 'second')} ago"
    elif ago < 3600:
        relative = f"{_unit(int(ago // 60), 'minute')} ago"
    elif ago < 86400:
        relative = f"{_unit(int(ago // 3600), 'hour')} ago"
    else:
        relative = f"{_unit(int(ago // 86400), 'day')} ago"
    return f"{time.strftime('%a %b %d %H:%M:%S %z', time.localtime(at))} ({relative})"


# -- the texts --------------------------------------------------------------------------------------------
def aligned(rows: list[list[str]], padding: int) -> list[str]:
    """Columns as Go's tabwriter aligns them: each but the last as wide as its widest cell plus `padding`."""
    widths: dict[int, int] = {}
    for row in rows:
        for index, cell in enumerate(row[:-1]):
            widths[index] = max(widths.get(index, 0), len(cell))
    return ["".join(cell.ljust(widths[i] + padding) if i < len(row) - 1 else cell for i, cell in enumerate(row))
            .rstrip() for row in rows]


def tree_rows(run: WorkflowRun, now: float | None = None) -> list[list[str]]:
    """STEP, TEMPLATE, PODNAME, DURATION, MESSAGE of every drawn node, the exit handler's after a blank row."""
    rows: list[list[str]] = [["STEP", "TEMPLATE", "PODNAME", "DURATION", "MESSAGE"]]
    for index, root in enumerate(build_trees(run)):
        if index:
            rows.append(["", "", "", "", ""])
        _render(root, " ", " ", rows, now)
    return rows


def _filtered(node: Node) -> tuple[bool, bool]:
    """(not drawn, its children drawn with a connector of their own): Argo hides step groups, a retry with one
    attempt and omitted nodes."""
    if node.kind == "Retry" and len(node.children) == 1:
        return True, False
    if node.kind == "StepGroup":
        return True, True
    if node.phase == Phase.OMITTED:
        return True, False
    return False, False


def _render(node: Node, prefix: str, child_prefix: str, rows: list[list[str]], now: float | None) -> None:
    filtered, indent = _filtered(node)
    if not filtered:
        label = f"{prefix}{ICONS.get(node.phase, '')} {node.display_name}"
        if node.kind == "Pod":
            rows.append([label, node.template, node.pod, short_duration(node.started_at, node.finished_at, now),
                         node.message])
        else:
            rows.append([label, node.template, "", "", node.message])
    last = len(node.children) - 1
    for index, child in enumerate(node.children):
        part, sub = _connector(filtered, indent, index, last)
        if not filtered:
            _render(child, child_prefix + part, child_prefix + sub, rows, now)
        else:
            _render(child, (prefix if index == 0 else child_prefix) + part, child_prefix + sub, rows, now)


def _connector(parent_filtered: bool, indent: bool, index: int, last: int) -> tuple[str, str]:
    if parent_filtered and indent:
        if last == 0:
            return "──", "  "
        if index == 0:
            return "┬─", "│ "
        return ("└─", "  ") if index == last else ("├─", "│ ")
    if not parent_filtered:
        return ("└─", "  ") if index == last else ("├─", "│ ")
    return "", ""


def get_lines(run: WorkflowRun, now: float | None = None) -> list[str]:
    """`argo get NAME`: the workflow's fields, then its node tree."""
    now = now or time.time()
    fields = [("Name:", run.name), ("Namespace:", run.namespace),
              ("ServiceAccount:", run.service_account or "unset (will run with the default ServiceAccount)"),
              ("Status:", str(run.phase))]
    if run.message:
        fields.append(("Message:", run.message))
    if run.created_at is not None:
        fields.append(("Created:", timestamp(run.created_at, now)))
    if run.started_at is not None:
        fields.append(("Started:", timestamp(run.started_at, now)))
    if run.finished_at is not None:
        fields.append(("Finished:", timestamp(run.finished_at, now)))
    if run.started_at is not None:
        fields.append(("Duration:", long_duration((run.finished_at or now) - run.started_at)))
    fields.append(("Progress:", progress(run)))
    if run.parameters:
        fields.append(("Parameters:", ""))
        fields += [(f"  {name}:", value) for name, value in run.parameters.items()]
    lines = [f"{label:<20} {value}".rstrip() for label, value in fields]
    return lines + [""] + aligned(tree_rows(run, now), GET_PADDING)


def list_lines(runs: list[WorkflowRun], now: float | None = None) -> list[str]:
    """`argo list`: newest first, as Argo sorts them."""
    if not runs:
        return ["No workflows found"]
    now = now or time.time()
    rows = [["NAME", "STATUS", "AGE", "DURATION", "PRIORITY", "MESSAGE"]]
    for run in sorted(runs, key=lambda r: r.created_at or 0.0, reverse=True):
        rows.append([run.name, str(run.phase), short_duration(run.created_at, now, now),
                     short_duration(run.started_at, run.finished_at, now), "0", run.message])
    return aligned(rows, LIST_PADDING)


def log_line(pod: str, line: str) -> str:
    """`argo logs`: each line prefixed with the pod that wrote it."""
    return f"{pod}: {line}"
