"""Every module of the product (simplepipe/, harness/, dashboards/, load/) is reached from an entry point, never
only from tests/: code that only tests use belongs in tests/support/.

Entry points are what a user, a user's code or CI runs: the `python -m` modules and the module files named in
the Makefile, .ci/run, .github/workflows/, simplepipe/Dockerfile and load/Dockerfile; pyproject's [project.scripts]; a top-level
package's __main__ (`python -m simplepipe`); and the SDK: the simplepipe modules README.md and docs/*.md tell
users to import (`from simplepipe import standard_metrics`). From there a module is reached through imports
(any import in a reached module, read with `ast`; importing `a.b.c` also runs a and a.b; `-m pkg` runs
pkg.__main__), or because a reached module runs it: a string that is exactly a project module's name
(`[sys.executable, "-m", "harness.local.supervisor"]`) or a file name ending in .py
(`Path(__file__).with_name("locustfile.py")`: a sibling first, else every project file of that name).
Nothing under tests/ counts."""
from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

from harness.paths import REPO_ROOT
from tests.support.imports import imports, module_name, modules, with_packages

PRODUCT = ("simplepipe", "harness", "dashboards", "load")
RUN_FILES = ("Makefile", ".ci/run", ".github/workflows/*.yml", "simplepipe/Dockerfile", "load/Dockerfile")
RUN_MODULE = re.compile(r"-m\s+([A-Za-z_][\w.]*)")
MODULE_FILE = re.compile(r"\b((?:" + "|".join(PRODUCT) + r")/[\w/]*\.py)\b")
SDK_IMPORT = re.compile(r"^\s*(?:from\s+(simplepipe[\w.]*)\s+import\s+([\w ,]+)|import\s+(simplepipe[\w.]*))", re.M)


def run_files(root: Path) -> list[Path]:
    return [path for pattern in RUN_FILES for path in sorted(root.glob(pattern))]


def entry_points(root: Path, known: dict[str, Path]) -> set[str]:
    """The modules a user or CI runs directly (see the module doc)."""
    found = set()
    for path in run_files(root):
        text = path.read_text(encoding="utf-8")
        found |= {name for name in RUN_MODULE.findall(text) if name in known}
        found |= {module_name(root, root / file) for file in MODULE_FILE.findall(text) if (root / file).is_file()}
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        scripts = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {}).get("scripts", {})
        found |= {target.split(":")[0] for target in scripts.values()}
    found |= {f"{package}.__main__" for package in PRODUCT if f"{package}.__main__" in known}
    found |= sdk_modules(root, known)
    return found | {f"{name}.__main__" for name in found if f"{name}.__main__" in known}


def sdk_modules(root: Path, known: dict[str, Path]) -> set[str]:
    """The simplepipe modules the docs tell users to import (`from simplepipe import standard_metrics as std`)."""
    found = set()
    for doc in [root / "README.md", *sorted((root / "docs").glob("*.md"))]:
        if not doc.is_file():
            continue
        for package, names, module in SDK_IMPORT.findall(doc.read_text(encoding="utf-8")):
            if module:  # import simplepipe.x
                found.add(module)
                continue
            found.add(package)  # from simplepipe import x, y as z: x and y where they are modules
            found |= {f"{package}.{name.split()[0]}" for name in names.split(",") if name.strip()}
    return {name for name in found if name in known}


def runs(module: str, known: dict[str, Path], by_file: dict[str, list[str]]) -> set[str]:
    """The project modules a module runs by name or by file (`by_file`: file name -> modules): its string
    constants that name one."""
    path = known[module]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Constant) or not isinstance(node.value, str):
            continue
        if node.value in known:
            found.add(node.value)
        elif node.value.endswith(".py") and node.value in by_file:
            siblings = [name for name in by_file[node.value] if known[name].parent == path.parent]
            found.update(siblings or by_file[node.value])
    return found


def unreached(root: Path) -> list[str]:
    """The product modules no entry point reaches, sorted."""
    known = modules(root, PRODUCT)
    edges: dict[str, set[str]] = {}
    for edge in imports(root):
        if edge.importer in known:
            edges.setdefault(edge.importer, set()).add(edge.imported)
    by_file: dict[str, list[str]] = {}
    for name, path in known.items():
        by_file.setdefault(path.name, []).append(name)
    reached: set[str] = set()
    todo = [m for name in entry_points(root, known) for m in with_packages(name)]
    while todo:
        module = todo.pop()
        if module in reached or module not in known:
            continue
        reached.add(module)
        for other in edges.get(module, set()) | runs(module, known, by_file):
            todo.extend(with_packages(other))
    return sorted(set(known) - reached)


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_a_module_only_tests_import_is_named(tmp_path):
    root = _tree(tmp_path, {
        "Makefile": "load:\n\t$(PY) -m load.run --platform $(PLATFORM)\ntest:\n\t$(PY) -m pytest -p tests.x\n",
        "pyproject.toml": '[project.scripts]\nsimplepipe = "simplepipe.cli:main"\n',
        "simplepipe/Dockerfile": "RUN cp /src/simplepipe/app.py /app/app.py\n",
        "simplepipe/__init__.py": "", "simplepipe/cli.py": "", "simplepipe/app.py": "", "simplepipe/__main__.py": "",
        "simplepipe/unused.py": "", "simplepipe/helpers.py": "",
        "docs/sdk.md": "```python\nimport simplepipe\nfrom simplepipe import MetricCollector, helpers as h\n```\n",
        "load/__init__.py": "",
        "load/run.py": "import sys\nfrom pathlib import Path\nfrom load import plan\n"
                       "LOCUSTFILE = Path(__file__).with_name('locustfile.py')\n"
                       "SUPERVISOR = [sys.executable, '-m', 'harness.supervisor']\n",
        "load/plan.py": "", "load/locustfile.py": "from load import payloads\n", "load/payloads.py": "",
        "load/only_tested.py": "COMMAND = ['python', '-m', 'harness.only_from_an_unreached_module']\n",
        "harness/__init__.py": "", "harness/supervisor.py": "", "harness/only_from_an_unreached_module.py": "",
        "tests/test_x.py": "from load import only_tested\nfrom simplepipe import unused\n",
    })
    assert unreached(root) == ["harness.only_from_an_unreached_module", "load.only_tested", "simplepipe.unused"]


def test_every_product_module_is_reached_from_an_entry_point():
    assert unreached(REPO_ROOT) == []


def test_the_entry_points_are_found():
    # Guards against a checker that silently finds no entry point (then every module would be reported).
    entries = entry_points(REPO_ROOT, modules(REPO_ROOT, PRODUCT))
    assert {"harness.__main__", "simplepipe.cli", "simplepipe.app", "simplepipe.__main__", "load.run",
            "dashboards.build", "simplepipe.standard_metrics"} <= entries
