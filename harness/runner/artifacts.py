"""Artifacts in the default artifact repository (S3), stored the way Argo stores them.

Argo's default key is `<workflow>/<pod>/<artifact>.tgz` and its default archive is tar+gzip of the
file or directory at the artifact's path; `archive: {none: {}}` stores a single file as is.
"""
from __future__ import annotations

import io
import shutil
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

import boto3
from botocore.config import Config
from botocore.exceptions import (BotoCoreError, ClientError, ConnectTimeoutError, EndpointConnectionError,
                                 ReadTimeoutError)

from harness.runner.errors import StepError


@dataclass(frozen=True)
class ArtifactLocation:
    bucket: str
    key: str


def default_key(workflow_name: str, pod_name: str, artifact_name: str, archive: str) -> str:
    return f"{workflow_name}/{pod_name}/{artifact_name}" + (".tgz" if archive == "tar" else "")


class ArtifactRepository:
    """One S3 bucket reached through an S3-compatible endpoint (SeaweedFS locally)."""

    def __init__(self, endpoint: str, access_key: str, secret_key: str, bucket: str, region: str):
        self.bucket = bucket
        self.endpoint = endpoint
        self._s3 = boto3.client(
            "s3", endpoint_url=endpoint, aws_access_key_id=access_key, aws_secret_access_key=secret_key,
            region_name=region,
            config=Config(s3={"addressing_style": "path"}, connect_timeout=5, read_timeout=30,
                          retries={"max_attempts": 3}),
        )

    def save(self, local: Path, key: str, archive: str) -> ArtifactLocation:
        if archive == "tar":
            body = _tgz(local)
        elif local.is_file():
            body = local.read_bytes()
        else:
            raise StepError(f"{local}: archive 'none' needs a file, found a directory")
        try:
            self._s3.put_object(Bucket=self.bucket, Key=key, Body=body)
        except (BotoCoreError, ClientError) as exc:
            raise StepError(f"S3 artifact repository at {self.endpoint}: cannot upload s3://{self.bucket}/{key}: "
                            f"{_s3_reason(exc)}") from exc
        return ArtifactLocation(self.bucket, key)

    def load(self, location: ArtifactLocation, destination: Path) -> None:
        try:
            body = self._s3.get_object(Bucket=location.bucket, Key=location.key)["Body"].read()
        except (BotoCoreError, ClientError) as exc:
            raise StepError(f"S3 artifact repository at {self.endpoint}: cannot download "
                            f"s3://{location.bucket}/{location.key}: {_s3_reason(exc)}") from exc
        destination.parent.mkdir(parents=True, exist_ok=True)
        if body[:2] == b"\x1f\x8b":  # gzip: Argo's tar archive
            _untgz(body, destination)
        else:
            destination.write_bytes(body)


def _s3_reason(exc: Exception) -> str:
    """What went wrong, saying plainly when S3 itself could not be reached."""
    if isinstance(exc, (EndpointConnectionError, ConnectTimeoutError, ReadTimeoutError)):
        return f"S3 is unreachable ({exc})"
    return str(exc)


def _tgz(local: Path) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        archive.add(local, arcname=local.name)
    return buffer.getvalue()


def _untgz(body: bytes, destination: Path) -> None:
    """A single file lands at `destination`; a directory's content lands in `destination`."""
    with tempfile.TemporaryDirectory(dir=destination.parent) as staging:
        with tarfile.open(fileobj=io.BytesIO(body), mode="r:gz") as archive:
            archive.extractall(staging, filter="data")
        entries = list(Path(staging).iterdir())
        source = entries[0] if len(entries) == 1 else Path(staging)
        if destination.is_dir() and not destination.is_symlink():
            shutil.rmtree(destination)
        elif destination.exists():
            destination.unlink()
        if source == Path(staging):
            shutil.copytree(source, destination)
        else:
            shutil.move(str(source), destination)
