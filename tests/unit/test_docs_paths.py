"""The docs name only what exists: every repository path and module in README.md and docs/*.md, and exactly the
verbs of the Platform interface in docs/development.md's table. A rename or a removal fails here, not in a
reader's shell.

What counts as a repository path (in prose, in `code spans` and in fenced code alike): a word that starts with
one of the repository's top-level folders and a `/` (`harness/platform.py`, `platform/values/`,
`tests/e2e/test_scenarios.py::test_x`, `.github/workflows/kind-e2e.yml`). A `<placeholder>` stands for one
path segment and `*`, `...` or `…` are globs: such a path must match at least one file. A trailing `:line` or
`#anchor` is dropped. Runtime paths (`.state/`, `.venv/`: made by `make install` and `make up`) are exempt,
and so is a path relative to something else (`values/minio.yaml` beside platform/helmfile.yaml, `logs/` in
the state folder): it does not start with a top-level folder. Markdown link targets are relative to their
document and are checked by test_docs_links.py. Make targets, URLs and image names never start with a
top-level folder and a `/`.

What counts as a module name: a dotted word starting with a top-level package (`harness.backends.create`,
`python -m load.run`, `simplepipe.timer`), not followed by `/` (`simplepipe.io/tenant` is a label) and not
ending in a file extension (`load.md`). Its longest prefix that is a module must exist, and the name after
it (if any) must be defined at that module's top level (a def, class, assignment or import)."""
from __future__ import annotations

import ast
import inspect
import re
import subprocess
from functools import cache
from pathlib import Path

import pytest

from harness.paths import REPO_ROOT
from harness.platform import Platform
from tests.support.imports import modules
from tests.support.markdown import code_spans, documents, fenced_lines, plain_prose

RUNTIME = (".state", ".venv")
PACKAGES = ("simplepipe", "harness", "dashboards", "load", "tests")
FILE_EXTENSIONS = {"md", "py", "yaml", "yml", "json", "jsonl", "toml", "txt", "png", "sh", "go", "log", "cfg"}
PLATFORM_TABLE_HEADING = "## The Platform interface"

PLACEHOLDER = re.compile(r"<[^<>\n]*>")
ELLIPSIS = re.compile(r"\.\.\.|…")
WORD_SEPARATORS = re.compile(r"[\s=()\[\]{},\"'|;]+")
LINK_TARGET = re.compile(r"\]\([^)\s]*(?:\s+\"[^\"]*\")?\)")
DOTTED = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+")


@cache
def top_level(root: Path = REPO_ROOT) -> frozenset[str]:
    """The folders at the top of the repository, as git tracks them (so .venv, .state and caches are not)."""
    try:
        listed = subprocess.run(["git", "-C", str(root), "ls-files"], capture_output=True, text=True,
                                check=True, timeout=30).stdout.split("\n")
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"the repository's top-level folders come from `git ls-files`, which failed: {exc}")
    return frozenset(path.split("/")[0] for path in listed if "/" in path)


def words(text: str) -> list[str]:
    """The words of some doc text, placeholders turned into globs and sentence punctuation taken off."""
    text = ELLIPSIS.sub("*", PLACEHOLDER.sub("*", text))
    return [word.rstrip(".,:;!?") for word in WORD_SEPARATORS.split(text) if word]


def doc_words(text: str) -> list[tuple[int, str]]:
    """(line number, word) of prose (link targets left out), code spans and fenced code."""
    found = [(n, w) for n, line in plain_prose(text) for w in words(LINK_TARGET.sub("]", line))]
    for number, span in code_spans(text):
        for offset, line in enumerate(span.split("\n")):
            found += [(number + offset, w) for w in words(line)]
    found += [(n, w) for n, line in fenced_lines(text) for w in words(line)]
    return sorted(found)


def repository_path(word: str, folders: frozenset[str]) -> str | None:
    """The path (or glob) a word names in the repository, or None when it names none (see the module doc)."""
    first = word.split("/")[0]
    if "/" not in word or first not in folders or first in RUNTIME:
        return None
    path = word.split("::")[0].split("#")[0]
    path = re.sub(r":\d+(?:-\d+)?$", "", path)
    return path.rstrip("/")


def exists(path: str, root: Path) -> bool:
    if any(c in path for c in "*?["):
        return any(root.glob(path))
    return (root / path).exists()


def missing_paths(doc: Path, root: Path = REPO_ROOT, folders: frozenset[str] | None = None) -> list[str]:
    """One message per repository path in `doc` that names nothing in `root`."""
    folders = top_level(root) if folders is None else folders
    problems = []
    for number, word in doc_words(doc.read_text(encoding="utf-8")):
        path = repository_path(word, folders)
        if path and not exists(path, root):
            problems.append(f"{doc.name}:{number}: {word!r}: no such path in the repository")
    return problems


# -- module names ---------------------------------------------------------------------------------------------
def module_reference(word: str) -> str | None:
    """The dotted module name (and attribute) a word names, or None (see the module doc)."""
    match = DOTTED.fullmatch(word)
    if not match or word.split(".")[0] not in PACKAGES or word.rsplit(".", 1)[1] in FILE_EXTENSIONS:
        return None
    return word


def top_level_names(path: Path) -> set[str]:
    """The names a module defines at its top level (also under `if`/`try`): defs, classes, assignments, imports."""
    names: set[str] = set()

    def visit(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                    names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                names.update((a.asname or a.name).split(".")[0] for a in node.names)
            elif isinstance(node, (ast.If, ast.Try)):
                visit(node.body + node.orelse + [s for h in getattr(node, "handlers", []) for s in h.body]
                      + getattr(node, "finalbody", []))

    visit(ast.parse(path.read_text(encoding="utf-8")).body)
    return names


def unresolved_module(reference: str, known: dict[str, Path]) -> str | None:
    """Why `reference` names nothing in the project, or None when it does."""
    parts = reference.split(".")
    for cut in range(len(parts), 0, -1):
        module = ".".join(parts[:cut])
        if module in known:
            rest = parts[cut:]
            if rest and rest[0] not in top_level_names(known[module]):
                return f"{module} has no module or name {rest[0]!r}"
            return None
    return "no such module"


def missing_modules(doc: Path, root: Path = REPO_ROOT) -> list[str]:
    """One message per module name in `doc` that names no module, or nothing in its module."""
    known = modules(root, PACKAGES)
    problems = []
    for number, word in doc_words(doc.read_text(encoding="utf-8")):
        reference = module_reference(word)
        reason = reference and unresolved_module(reference, known)
        if reason:
            problems.append(f"{doc.name}:{number}: {word!r}: {reason}")
    return problems


# -- the Platform table ---------------------------------------------------------------------------------------
def interface_members(cls: type) -> set[str]:
    """The public methods, properties and declared attributes a class itself defines."""
    members = {name for name, value in vars(cls).items()
               if not name.startswith("_") and (callable(value) or isinstance(value, property))}
    return members | {name for name in inspect.get_annotations(cls) if not name.startswith("_")}


def table_members(text: str, heading: str = PLATFORM_TABLE_HEADING) -> set[str]:
    """The names in the first column of the first table under `heading` (`tenant(name)` -> tenant)."""
    lines = text.split("\n")
    start = next((i for i, line in enumerate(lines) if line.startswith(heading)), None)
    assert start is not None, f"no heading {heading!r}"
    rows = []
    for line in lines[start + 1:]:
        if line.startswith("#"):
            break
        if line.startswith("|"):
            rows.append(line)
        elif rows:
            break
    names = set()
    for row in rows[2:]:  # header and delimiter rows first
        first_cell = row.strip("|").split("|")[0]
        names.update(re.match(r"\w+", span).group(0) for span in re.findall(r"`([^`]+)`", first_cell))
    return names


def table_mismatch(text: str, defined: set[str] | None = None) -> list[str]:
    """What the Platform table and the interface (`defined`, by default Platform's own) disagree on."""
    documented = table_members(text)
    defined = interface_members(Platform) if defined is None else defined
    return ([f"Platform.{name} is not in the table" for name in sorted(defined - documented)]
            + [f"the table lists {name}, which Platform does not define" for name in sorted(documented - defined)])


# -- each rule fails on a doc that breaks it ---------------------------------------------------------------------
def test_a_missing_path_is_named_wherever_it_is_written(tmp_path):
    (tmp_path / "harness" / "local").mkdir(parents=True)
    (tmp_path / "harness" / "local" / "platform.py").write_text("")
    (tmp_path / "scenarios" / "alice").mkdir(parents=True)
    (tmp_path / "scenarios" / "alice" / "expect.yaml").write_text("")
    doc = tmp_path / "page.md"
    doc.write_text(
        "# Page\n\n"
        "`harness/local/platform.py` and `harness/local/platform.py:12` exist, `scenarios/<name>/expect.yaml`\n"
        "matches, and so does `scenarios/*/`; `make unit`, `https://example.com/harness/x.py`, `ghcr.io/a/b`,\n"
        "`.state/local/logs/x.log`, `values/minio.yaml` and [a link](harness/gone.py) are not checked here.\n"
        "Gone: `harness/local/throwaway.py`, `tests/e2e/test_x.py::test_y`, `scenarios/<name>/workflow.yaml`,\n"
        "and in prose harness/promql.py. A span may wrap: `python -m x\n--config harness/missing.yaml`.\n"
        "```sh\npython harness/local/platform.py && python harness/gone/run.py\n```\n",
        encoding="utf-8")
    assert missing_paths(doc, tmp_path, frozenset({"harness", "scenarios", "tests", ".state"})) == [
        "page.md:6: 'harness/local/throwaway.py': no such path in the repository",
        "page.md:6: 'scenarios/*/workflow.yaml': no such path in the repository",
        "page.md:6: 'tests/e2e/test_x.py::test_y': no such path in the repository",
        "page.md:7: 'harness/promql.py': no such path in the repository",
        "page.md:8: 'harness/missing.yaml': no such path in the repository",
        "page.md:10: 'harness/gone/run.py': no such path in the repository",
    ]


def test_a_module_name_that_names_nothing_is_named(tmp_path):
    doc = tmp_path / "page.md"
    doc.write_text(
        "`harness.backends.create(\"local\")`, `python -m load.run`, `simplepipe.timer`, `simplepipe.io/tenant`,\n"
        "[load](load.md#x), and `harness.platform.create(\"local\")`, `python -m harness.promql`.\n",
        encoding="utf-8")
    assert missing_modules(doc) == [
        "page.md:2: 'harness.platform.create': harness.platform has no module or name 'create'",
        "page.md:2: 'harness.promql': harness has no module or name 'promql'",
    ]


def test_a_platform_table_missing_a_verb_or_listing_a_gone_one_is_named():
    verbs = sorted(interface_members(Platform))
    rows = [f"| `{verb}(x)`, `{verb}` | what |" for verb in verbs if verb != "alert_lines"]
    text = "\n".join([PLATFORM_TABLE_HEADING, "", "| verb | what |", "| --- | --- |", *rows, "", "## Next", "| `x` |"])
    assert table_mismatch(text) == ["Platform.alert_lines is not in the table"]
    # As if `refresh` had been taken out of the interface and the table not updated.
    assert table_mismatch(text, interface_members(Platform) - {"refresh", "alert_lines"}) == [
        "the table lists refresh, which Platform does not define"]


def test_the_checks_find_what_the_docs_hold():
    # Guards against a checker that silently finds nothing (a regex that matches no word).
    texts = [doc.read_text(encoding="utf-8") for doc in documents()]
    paths = [w for t in texts for _, w in doc_words(t) if repository_path(w, top_level())]
    references = [w for t in texts for _, w in doc_words(t) if module_reference(w)]
    assert len(paths) >= 100 and len(references) >= 20, (len(paths), len(references))
    assert len(table_members(texts[documents().index(REPO_ROOT / "docs" / "development.md")])) >= 20


# -- and hold on the project -----------------------------------------------------------------------------------
@pytest.mark.parametrize("doc", documents(), ids=lambda path: str(path.relative_to(REPO_ROOT)))
def test_every_repository_path_in_the_docs_exists(doc):
    assert missing_paths(doc) == []


@pytest.mark.parametrize("doc", documents(), ids=lambda path: str(path.relative_to(REPO_ROOT)))
def test_every_module_name_in_the_docs_exists(doc):
    assert missing_modules(doc) == []


def test_the_platform_table_lists_exactly_the_interface():
    assert table_mismatch((REPO_ROOT / "docs" / "development.md").read_text(encoding="utf-8")) == []
