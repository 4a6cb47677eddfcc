"""The docs as the doc tests read them: which files, and which of their text is prose, code span or fenced code.

Shared by tests/unit/test_docs_links.py (links and headings) and tests/unit/test_docs_paths.py (paths,
module names and the Platform table)."""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from harness.paths import REPO_ROOT

FENCE = re.compile(r"^ {0,3}(```|~~~)")
# A code span: a run of backticks, then anything up to the same run (it may wrap onto the next line).
CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.DOTALL)


def documents(root: Path = REPO_ROOT) -> list[Path]:
    return [root / "README.md", *sorted((root / "docs").glob("*.md"))]


def prose_lines(text: str) -> Iterator[tuple[int, str]]:
    """(line number, line) outside fenced code blocks: code is not markdown."""
    in_fence = False
    for number, line in enumerate(text.splitlines(), 1):
        if FENCE.match(line):
            in_fence = not in_fence
            continue
        if not in_fence:
            yield number, line


def fenced_lines(text: str) -> Iterator[tuple[int, str]]:
    """(line number, line) inside fenced code blocks, the fences themselves left out."""
    prose = dict(prose_lines(text))
    for number, line in enumerate(text.splitlines(), 1):
        if number not in prose and not FENCE.match(line):
            yield number, line


def code_spans(text: str) -> Iterator[tuple[int, str]]:
    """(line number where it starts, content) of every `code span` outside fenced blocks."""
    prose = dict(prose_lines(text))
    outside = "\n".join(prose.get(n, "") for n in range(1, len(text.splitlines()) + 1))
    for match in CODE_SPAN.finditer(outside):
        yield outside.count("\n", 0, match.start()) + 1, match.group(2)


def plain_prose(text: str) -> Iterator[tuple[int, str]]:
    """(line number, line) of prose with its code spans blanked out (a span may wrap across lines)."""
    prose = dict(prose_lines(text))
    outside = "\n".join(prose.get(n, "") for n in range(1, len(text.splitlines()) + 1))
    blanked = CODE_SPAN.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), outside)
    yield from enumerate(blanked.split("\n"), 1)
