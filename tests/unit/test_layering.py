"""Dependencies point one way (ARCHITECTURE.md): read from the source with `ast`, so a new cycle, a private
name taken from another module or a backend importing the other fails here, not in a reviewer's head.

Each rule is shown failing on a small tree with the fault, then holding on the project."""
from __future__ import annotations

from pathlib import Path

import pytest

from harness.paths import REPO_ROOT
from tests.support.imports import Import, cycles, imports, within

BACKENDS = ("harness.local", "harness.kind")
PRODUCT = ("simplepipe", "harness", "dashboards", "load")


def private_imports(edges: list[Import]) -> list[str]:
    return [f"{e.importer}:{e.line}: {e.text}" for e in edges
            for name in e.names if name.startswith("_") and not name.startswith("__")]


def upward_from_product(edges: list[Import]) -> list[str]:
    """simplepipe/ imports nothing of the platform; nothing outside tests/ imports tests/."""
    wrong = []
    for e in edges:
        if within(e.importer, "simplepipe") and not within(e.imported, "simplepipe"):
            wrong.append(f"{e.importer}:{e.line}: the product imports {e.imported}")
        if any(within(e.importer, p) for p in PRODUCT) and within(e.imported, "tests"):
            wrong.append(f"{e.importer}:{e.line}: product code imports test support {e.imported}")
    return wrong


def across_backends(edges: list[Import]) -> list[str]:
    return [f"{e.importer}:{e.line}: {e.text}" for e in edges for a in BACKENDS for b in BACKENDS
            if a != b and within(e.importer, a) and within(e.imported, b)]


def unexplained_nested(edges: list[Import], package: str = "harness") -> list[str]:
    """An import inside a function, in harness/, says why on its line (`# ...`): lazy by reason, not by habit."""
    return [f"{e.importer}:{e.line}: {e.text}" for e in edges
            if e.nested and within(e.importer, package) and "#" not in e.text]


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    for package in ("simplepipe", "harness", "dashboards", "load", "tests"):
        (root / package).mkdir(exist_ok=True)
    return root


@pytest.fixture(scope="module")
def project() -> list[Import]:
    return imports(REPO_ROOT)


# -- each rule fails on a tree that breaks it ---------------------------------------------------------------
def test_a_cycle_is_found_also_through_a_function_level_import(tmp_path):
    root = _tree(tmp_path, {"harness/__init__.py": "", "harness/a.py": "from harness import b\n",
                            "harness/b.py": "def f():\n    from harness.c import x\n",
                            "harness/c.py": "from harness.a import y\n"})
    assert cycles(imports(root)) == [["harness.a", "harness.b", "harness.c"]]


def test_a_cycle_under_type_checking_is_a_cycle(tmp_path):
    root = _tree(tmp_path, {"harness/__init__.py": "", "harness/a.py": "from harness.b import B\n",
                            "harness/b.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                                            "    from harness.a import A\n"})
    assert cycles(imports(root)) == [["harness.a", "harness.b"]]


def test_a_package_importing_its_submodules_is_not_a_cycle(tmp_path):
    root = _tree(tmp_path, {"simplepipe/__init__.py": "from simplepipe.sdk import S\n",
                            "simplepipe/sdk.py": "from simplepipe import spec\n", "simplepipe/spec.py": ""})
    assert cycles(imports(root)) == []


def test_private_names_cross_backends_and_upward_imports_are_named(tmp_path):
    root = _tree(tmp_path, {
        "harness/__init__.py": "", "harness/local/__init__.py": "", "harness/kind/__init__.py": "",
        "harness/kind/render.py": "from harness.local.platform import _dump\n", "harness/local/platform.py": "",
        "simplepipe/__init__.py": "", "simplepipe/cli.py": "import harness.kind.render\n",
        "load/__init__.py": "", "load/run.py": "from tests.support import x\n", "tests/support/__init__.py": ""})
    edges = imports(root)
    assert private_imports(edges) == ["harness.kind.render:1: from harness.local.platform import _dump"]
    assert across_backends(edges) == ["harness.kind.render:1: from harness.local.platform import _dump"]
    assert upward_from_product(edges) == ["simplepipe.cli:1: the product imports harness.kind.render",
                                          "load.run:1: product code imports test support tests.support"]


def test_a_function_level_import_without_its_reason_is_named(tmp_path):
    root = _tree(tmp_path, {"harness/__init__.py": "", "harness/b.py": "",
                            "harness/a.py": "def f():\n    from harness import b\n"
                                            "def g():\n    from harness import b  # only where a cluster runs\n"})
    assert unexplained_nested(imports(root)) == ["harness.a:2: from harness import b"]


# -- and holds on the project -------------------------------------------------------------------------------
def test_the_project_has_no_import_cycle(project):
    assert cycles(project) == []


def test_no_module_takes_a_private_name_of_another(project):
    assert private_imports(project) == []


def test_the_product_imports_nothing_of_the_platform_and_nothing_imports_tests(project):
    assert upward_from_product(project) == []


def test_the_backends_never_import_each_other(project):
    assert across_backends(project) == []


def test_function_level_imports_in_harness_say_why(project):
    assert unexplained_nested(project) == []
