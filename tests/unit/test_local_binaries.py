"""Binaries of the local platform: an official release is used only when its checksum matches."""
from __future__ import annotations

import hashlib
import io
import tarfile
from pathlib import Path

import pytest

from harness.local import binaries
from harness.local.errors import BinaryNotFoundError, ChecksumMismatchError
from harness.local.settings import Release

FAKE = binaries.Binary("fake", ("simplepipe-test-fake-server",), "fake", "`make install`")


def release_dir(tmp_path: Path) -> tuple[Path, str]:
    """A release folder like GitHub's: fake-1.0.linux-<arch>.tar.gz and sha256sums.txt."""
    folder = tmp_path / "release"
    folder.mkdir()
    name = f"fake-1.0.linux-{binaries._arch()}"
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        data = b"#!/bin/sh\necho fake\n"
        info = tarfile.TarInfo(f"{name}/simplepipe-test-fake-server")
        info.size, info.mode = len(data), 0o755
        tar.addfile(info, io.BytesIO(data))
    (folder / f"{name}.tar.gz").write_bytes(buffer.getvalue())
    digest = hashlib.sha256(buffer.getvalue()).hexdigest()
    (folder / "sha256sums.txt").write_text(f"{digest}  {name}.tar.gz\n")
    return folder, digest


@pytest.fixture
def fake_binary(tmp_path, monkeypatch):
    monkeypatch.setitem(binaries.BINARIES, "fake", FAKE)
    monkeypatch.setattr(binaries, "DOWNLOADS", tmp_path / "downloads")
    return tmp_path


def release(folder: Path, sha256: str = "") -> dict[str, Release]:
    return {"fake": Release("fake", "1.0", f"file://{folder}/fake-{{version}}.linux-{{arch}}.tar.gz",
                            f"file://{folder}/sha256sums.txt", sha256)}


def test_a_release_matching_its_published_checksum_is_unpacked(fake_binary):
    folder, _ = release_dir(fake_binary)
    path = binaries.find_binary("fake", release(folder))
    assert path == fake_binary / "downloads" / "fake-1.0" / "simplepipe-test-fake-server"
    assert path.read_bytes().startswith(b"#!/bin/sh")


def test_a_release_not_matching_the_pinned_checksum_is_refused(fake_binary):
    folder, digest = release_dir(fake_binary)
    with pytest.raises(ChecksumMismatchError, match="sha256"):
        binaries.find_binary("fake", release(folder, sha256="0" * 64))
    assert not (fake_binary / "downloads" / "fake-1.0").exists()


def test_a_missing_binary_without_release_says_how_to_get_it(fake_binary, monkeypatch):
    monkeypatch.setitem(binaries.BINARIES, "fake", binaries.Binary("fake", ("simplepipe-test-none",), None,
                                                                   "`make install`"))
    with pytest.raises(BinaryNotFoundError, match="simplepipe-test-none.*make install"):
        binaries.find_binary("fake", {})


def test_an_unreachable_release_says_what_is_missing(fake_binary):
    with pytest.raises(BinaryNotFoundError, match="downloading fake 1.0 failed.*make install"):
        binaries.find_binary("fake", release(fake_binary / "nowhere"))
