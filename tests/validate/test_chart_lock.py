"""The chart lock: charts assembled from a git mirror or a tag's archive into the cache, each digest verified;
a changed byte, a wrong lock entry or a hostile archive stops it with one line naming chart and version."""
from __future__ import annotations

import io
import subprocess
import tarfile

import pytest
import yaml

from harness.kind import charts, constants, pins

CHART_YAML = "apiVersion: v2\nname: {name}\nversion: {version}\nappVersion: \"{app}\"\n"


def _git(repo, *args):
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                   env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
                        "GIT_COMMITTER_EMAIL": "t@t", "HOME": str(repo), "PATH": "/usr/bin:/bin"})


@pytest.fixture
def upstream(tmp_path):
    """A mirror root with owner+repo/repo: a chart `app` at tag app-1.0.0, a subchart `lib` at tag lib-0.2.0."""
    work = tmp_path / "work"
    (work / "charts" / "app" / "templates").mkdir(parents=True)
    (work / "charts" / "lib").mkdir(parents=True)
    (work / "LICENSE").write_text("Apache License 2.0 (test)\n")
    (work / "charts" / "app" / "Chart.yaml").write_text(CHART_YAML.format(name="app", version="1.0.0", app="v1"))
    (work / "charts" / "app" / "templates" / "cm.yaml").write_text("kind: ConfigMap\n")
    (work / "charts" / "lib" / "Chart.yaml").write_text(CHART_YAML.format(name="lib", version="0.2.0", app="v2"))
    _git(work, "init", "-q")
    _git(work, "add", "-A")
    _git(work, "commit", "-qm", "charts")
    _git(work, "tag", "app-1.0.0")
    _git(work, "tag", "lib-0.2.0")
    mirrors = tmp_path / "mirrors"
    (mirrors / "example+charts").mkdir(parents=True)
    subprocess.run(["git", "clone", "-q", "--bare", str(work), str(mirrors / "example+charts" / "repo")], check=True)
    return mirrors


def _lock(tmp_path, app_digest: str, lib_digest: str) -> dict[str, charts.LockedChart]:
    source = {"repository": "example/charts", "licence": "Apache-2.0", "licencePath": "LICENSE"}
    lock = {"charts": [{"name": "app", "version": "1.0.0", "appVersion": "v1", "digest": app_digest,
                        "source": {**source, "tag": "app-1.0.0", "path": "charts/app"},
                        "dependencies": [{"name": "lib", "version": "0.2.0", "appVersion": "v2", "digest": lib_digest,
                                          "source": {**source, "tag": "lib-0.2.0", "path": "charts/lib"}}]}]}
    path = tmp_path / "charts.yaml"
    path.write_text(yaml.safe_dump(lock))
    return charts.load_lock(path)


def _digests(upstream, tmp_path) -> tuple[str, str]:
    """Assemble once with placeholder digests and read the unverified copy's digests (the bump workflow)."""
    lock = _lock(tmp_path, "sha256:" + "0" * 64, "sha256:" + "0" * 64)
    with pytest.raises(charts.ChartLockError):
        charts.assemble(lock["app"], charts.Mirrors(upstream), tmp_path / "cache")
    unverified = charts.unverified_dir(lock["app"], tmp_path / "cache")
    return charts.tree_digest(unverified), charts.tree_digest(unverified / "charts" / "lib")


def test_a_chart_is_assembled_with_its_subchart_and_licence_and_verified(upstream, tmp_path):
    lock = _lock(tmp_path, *_digests(upstream, tmp_path))
    cache = tmp_path / "cache"
    target = charts.assemble(lock["app"], charts.Mirrors(upstream), cache)
    assert target == cache / "app-1.0.0"
    assert (target / "charts" / "lib" / "Chart.yaml").is_file() and (target / "LICENSE").is_file()
    assert (target / "charts" / "lib" / "LICENSE").is_file()
    assert charts.verify_cache(lock, cache) == []
    assert not charts.unverified_dir(lock["app"], cache).exists()


def test_the_digest_is_the_documented_shell_pipeline(upstream, tmp_path):
    lock = _lock(tmp_path, *_digests(upstream, tmp_path))
    target = charts.assemble(lock["app"], charts.Mirrors(upstream), tmp_path / "cache")
    shell = subprocess.run("find . -type f -printf '%P\\n' | LC_ALL=C sort | xargs -d '\\n' sha256sum | sha256sum",
                           shell=True, cwd=target, capture_output=True, text=True, check=True).stdout.split()[0]
    assert charts.tree_digest(target) == f"sha256:{shell}"


def test_a_changed_byte_in_the_cache_is_one_line_naming_chart_version_and_both_digests(upstream, tmp_path):
    lock = _lock(tmp_path, *_digests(upstream, tmp_path))
    cache = tmp_path / "cache"
    target = charts.assemble(lock["app"], charts.Mirrors(upstream), cache)
    (target / "charts" / "lib" / "Chart.yaml").write_text((target / "charts" / "lib" / "Chart.yaml").read_text() + "#\n")
    problems = charts.verify_cache(lock, cache)
    assert len(problems) == 2 and all("\n" not in p for p in problems)
    assert problems[0].startswith("lib 0.2.0: digest sha256:") and lock["app"].dependencies[0].digest in problems[0]
    assert problems[1].startswith("app 1.0.0: digest sha256:") and f"the lock's {lock['app'].digest}" in problems[1]


def test_a_lock_with_another_digest_or_version_refuses_the_source(upstream, tmp_path):
    app, lib = _digests(upstream, tmp_path)
    lock = _lock(tmp_path, app, "sha256:" + "1" * 64)
    with pytest.raises(charts.ChartLockError, match="lib 0.2.0: digest sha256:"):
        charts.assemble(lock["app"], charts.Mirrors(upstream), tmp_path / "cache2")
    assert not (tmp_path / "cache2" / "app-1.0.0").exists()
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text((tmp_path / "charts.yaml").read_text().replace("version: 1.0.0", "version: 1.0.1"))
    with pytest.raises(charts.ChartLockError, match="Chart.yaml of example/charts app-1.0.0 says"):
        charts.assemble(charts.load_lock(wrong)["app"], charts.Mirrors(upstream), tmp_path / "cache3")


def _tarball(members: dict[str, bytes], top: str = "charts-app-1.0.0") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(f"{top}/{name}" if top else name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def test_the_github_archive_of_the_tag_gives_the_same_tree(upstream, tmp_path):
    app, lib = _digests(upstream, tmp_path)
    lock = _lock(tmp_path, app, lib)
    served = tmp_path / "served"
    for tag in ("app-1.0.0", "lib-0.2.0"):
        archive = subprocess.run(["git", "--git-dir", str(upstream / "example+charts" / "repo"), "archive",
                                  "--format=tar.gz", f"--prefix=charts-{tag}/", tag], capture_output=True, check=True)
        (served / "example" / "charts" / "archive" / "refs" / "tags").mkdir(parents=True, exist_ok=True)
        (served / "example" / "charts" / "archive" / "refs" / "tags" / f"{tag}.tar.gz").write_bytes(archive.stdout)
    reader = charts.GitHubArchives(tmp_path / "scratch", f"file://{served}/{{repository}}/archive/refs/tags/{{tag}}.tar.gz")
    (tmp_path / "scratch").mkdir()
    charts.assemble(lock["app"], reader, tmp_path / "cache")
    assert charts.verify_cache(lock, tmp_path / "cache") == []


@pytest.mark.parametrize("name", ["../escape", "/etc/passwd"])
def test_an_archive_member_outside_the_archive_is_refused(tmp_path, name):
    with pytest.raises(charts.ChartLockError, match="outside the archive"):
        charts._untar(io.BytesIO(_tarball({name: b"x"}, top="")), tmp_path, strip="", mode="r:gz")


@pytest.mark.parametrize("change, field", [
    (lambda c: c.pop("digest"), "field 'digest'"),
    (lambda c: c.update(digest="md5:abc"), "is not sha256:"),
    (lambda c: c["source"].update(path="../../etc"), "must be relative"),
    (lambda c: c.pop("source"), "field 'source'"),
])
def test_a_malformed_lock_entry_names_chart_and_field(tmp_path, change, field):
    data = yaml.safe_load(constants.CHARTS_FILE.read_text())
    change(data["charts"][1])
    path = tmp_path / "charts.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(charts.ChartLockError) as raised:
        charts.load_lock(path)
    assert f"charts.1 ({data['charts'][1]['name']})" in str(raised.value) and field in str(raised.value)


def test_the_project_lock_names_every_chart_the_helmfile_installs(rendering):
    helmfile = yaml.safe_load(rendering.files[constants.HELMFILE])
    lock = charts.load_lock()
    used = {pins.release_chart(helmfile, r["name"], lock).name for r in helmfile["releases"]
            if pins.is_cached_chart(r["chart"])}
    assert used == set(lock), "every locked chart is installed, every installed one locked"
    for chart in lock.values():
        assert chart.source.licence == "Apache-2.0" and chart.source.tag


def test_the_cache_holds_exactly_the_locked_charts_when_present():
    if not charts.cache_present():
        pytest.skip("no chart cache (.cache/charts): `make charts` assembles it from GitHub or git mirrors")
    assert charts.verify_cache() == []
