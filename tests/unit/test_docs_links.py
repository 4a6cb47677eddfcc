"""Every relative link in README.md and docs/*.md leads to a file that exists and, with an #anchor, to one of its headings."""

import re

import pytest

from harness.paths import REPO_ROOT as ROOT
from tests.support.markdown import documents, prose_lines

README_MAX_LINES = 300

# [text](target) and ![alt](target), with an optional "title"; link text may hold one level of [brackets].
LINK = re.compile(r'!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)')
HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
INLINE_CODE = re.compile(r"`+[^`]*`+")
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def github_slug(heading):
    """GitHub's heading anchor: lowercase, punctuation dropped except '-' (and '_'), spaces to '-'."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link in a heading anchors by its text
    text = re.sub(r"[^\w\- ]", "", text.strip().lower())
    return text.replace(" ", "-")


def heading_anchors(path):
    """All anchors GitHub gives the headings of one file (a repeated slug gets -1, -2, ...)."""
    anchors, seen = set(), {}
    for _, line in prose_lines(path.read_text(encoding="utf-8")):
        match = HEADING.match(line)
        if not match:
            continue
        slug = github_slug(match.group(2))
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        anchors.add(slug if count == 0 else f"{slug}-{count}")
    return anchors


def relative_links(path):
    """(line number, target) of every link in the file that is not an absolute URL."""
    for number, line in prose_lines(path.read_text(encoding="utf-8")):
        for match in LINK.finditer(INLINE_CODE.sub("", line)):
            target = match.group(1)
            if not SCHEME.match(target):
                yield number, target


def broken_links(path):
    """One message per link of `path` whose file or heading does not exist."""
    problems = []
    for number, target in relative_links(path):
        file_part, _, anchor = target.partition("#")
        linked = (path.parent / file_part).resolve() if file_part else path
        where = f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}:{number}: ({target})"
        if not linked.exists():
            problems.append(f"{where}: no file {file_part}")
        elif anchor and linked.is_file() and linked.suffix == ".md" and anchor not in heading_anchors(linked):
            problems.append(f"{where}: {linked.name} has no heading with anchor #{anchor}")
    return problems


@pytest.mark.parametrize("path", documents(), ids=lambda path: str(path.relative_to(ROOT)))
def test_every_relative_link_resolves(path):
    assert broken_links(path) == []


def test_the_docs_link_to_each_other():
    # Guards against the checker silently finding nothing (e.g. a regex that matches no link).
    assert sum(1 for path in documents() for _ in relative_links(path)) >= 20


def test_readme_is_a_front_door():
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES, f"README.md has {len(lines)} lines; move detail into docs/"


@pytest.mark.parametrize(
    "heading, anchor",
    [
        ("Argo's environment", "argos-environment"),
        ("The state folder: `.state/local/` (git-ignored)", "the-state-folder-statelocal-git-ignored"),
        ("Checked offline: `make validate`", "checked-offline-make-validate"),
        ("End-to-end tests (`tests/e2e/`)", "end-to-end-tests-testse2e"),
        ("Running on Kubernetes (kind)", "running-on-kubernetes-kind"),
    ],
)
def test_github_slug(heading, anchor):
    assert github_slug(heading) == anchor


def test_broken_file_anchor_and_image_are_reported(tmp_path):
    (tmp_path / "other.md").write_text("# Other\n\n## A section\n", encoding="utf-8")
    page = tmp_path / "page.md"
    page.write_text(
        "# Page\n\n"
        "[ok](other.md#a-section) [self](#page) [web](https://example.com/x#y) `[code](nowhere.md)`\n"
        "[gone](missing.md)\n"
        "[bad anchor](other.md#no-such-section)\n"
        "![picture](img/missing.png)\n"
        "```\n[in a fence](fenced.md)\n```\n",
        encoding="utf-8",
    )
    problems = broken_links(page)
    assert len(problems) == 3, problems
    assert "missing.md" in problems[0] and ":4:" in problems[0]
    assert "#no-such-section" in problems[1]
    assert "img/missing.png" in problems[2]
