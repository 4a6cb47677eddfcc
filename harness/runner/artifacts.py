"""Artifacts in the namespace's artifact repository (S3), stored the way Argo stores them.

Which repository: as Argo resolves it, the `artifact-repositories` ConfigMap of the workflow's
namespace (its default key named by the `workflows.argoproj.io/default-artifact-repository`
annotation; keys from the Secrets it names), else the controller's default repository.

Argo's default key is `<workflow>/<pod>/<artifact>.tgz` and its default archive is tar+gzip of the
file or directory at the artifact's path; `archive: {none: {}}` stores a file as is, and a directory as
one object per file under `<key>/` (as Argo's S3 driver does, artifacts/s3/s3.go PutDirectory).
"""
from __future__ import annotations

import io
import shutil
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

import boto3
import yaml
from botocore.config import Config
from botocore.exceptions import (BotoCoreError, ClientError, ConnectTimeoutError, EndpointConnectionError,
                                 ReadTimeoutError)

from harness.runner.errors import StepError


@dataclass(frozen=True)
class ArtifactLocation:
    bucket: str
    key: str


# Argo's names for a namespace's artifact repositories.
REPOSITORIES_CONFIGMAP = "artifact-repositories"
DEFAULT_REPOSITORY_ANNOTATION = "workflows.argoproj.io/default-artifact-repository"


@dataclass(frozen=True)
class S3Repository:
    """Where and as whom artifacts are stored: an Argo `s3` artifact repository with its keys resolved."""

    endpoint: str  # a URL
    bucket: str
    access_key: str
    secret_key: str
    region: str


def namespace_repository(settings: dict, region: str) -> S3Repository | None:
    """The namespace's default repository from its `artifact-repositories` ConfigMap, or None when it has none.

    `settings` are the namespace's ConfigMaps, Secrets and ConfigMap annotations (harness.runner.TenantSettings)."""
    data = (settings.get("configmaps") or {}).get(REPOSITORIES_CONFIGMAP)
    if data is None:
        return None
    where = f"ConfigMap {REPOSITORIES_CONFIGMAP}"
    key = ((settings.get("annotations") or {}).get(REPOSITORIES_CONFIGMAP) or {}).get(DEFAULT_REPOSITORY_ANNOTATION)
    if key not in data:
        raise StepError(f"{where}: no key named by its annotation {DEFAULT_REPOSITORY_ANNOTATION} ({key!r})")
    try:
        s3 = yaml.safe_load(data[key])["s3"]
        secrets = settings.get("secrets") or {}

        def secret(field: str) -> str:
            ref = s3[field]
            return str(secrets[ref["name"]][ref["key"]])

        scheme = "http" if s3.get("insecure") else "https"
        return S3Repository(endpoint=f"{scheme}://{s3['endpoint']}", bucket=str(s3["bucket"]),
                            access_key=secret("accessKeySecret"), secret_key=secret("secretKeySecret"),
                            region=str(s3.get("region") or region))
    except (yaml.YAMLError, KeyError, TypeError) as exc:
        raise StepError(f"{where} key {key!r}: not an s3 repository whose key Secrets exist ({exc})") from exc


def default_key(workflow_name: str, pod_name: str, artifact_name: str, archive: str) -> str:
    return f"{workflow_name}/{pod_name}/{artifact_name}" + (".tgz" if archive == "tar" else "")


class ArtifactRepository:
    """One S3 bucket reached through an S3-compatible endpoint (SeaweedFS locally), as one identity."""

    @classmethod
    def of(cls, repository: S3Repository) -> "ArtifactRepository":
        return cls(repository.endpoint, repository.access_key, repository.secret_key, repository.bucket,
                   repository.region)

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
        if archive == "none" and local.is_dir():
            for path in sorted(p for p in local.rglob("*") if p.is_file()):
                self._put(f"{key}/{path.relative_to(local).as_posix()}", path.read_bytes())
            return ArtifactLocation(self.bucket, key)
        self._put(key, _tgz(local) if archive == "tar" else local.read_bytes())
        return ArtifactLocation(self.bucket, key)

    def _put(self, key: str, body: bytes) -> None:
        try:
            self._s3.put_object(Bucket=self.bucket, Key=key, Body=body)
        except (BotoCoreError, ClientError) as exc:
            raise StepError(f"S3 artifact repository at {self.endpoint}: cannot upload s3://{self.bucket}/{key}: "
                            f"{_s3_reason(exc)}") from exc

    def load(self, location: ArtifactLocation, destination: Path) -> None:
        """The object at the key; or, when there is none, the folder of objects under `<key>/`."""
        where = f"S3 artifact repository at {self.endpoint}: cannot download s3://{location.bucket}/{location.key}"
        try:
            body = self._s3.get_object(Bucket=location.bucket, Key=location.key)["Body"].read()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in ("NoSuchKey", "404"):
                raise StepError(f"{where}: {_s3_reason(exc)}") from exc
            self._load_folder(location, destination, where, exc)
            return
        except BotoCoreError as exc:
            raise StepError(f"{where}: {_s3_reason(exc)}") from exc
        destination.parent.mkdir(parents=True, exist_ok=True)
        if body[:2] == b"\x1f\x8b":  # gzip: Argo's tar archive
            _untgz(body, destination)
        else:
            destination.write_bytes(body)

    def _load_folder(self, location: ArtifactLocation, destination: Path, where: str, missing: Exception) -> None:
        prefix = location.key.rstrip("/") + "/"
        try:
            pages = self._s3.get_paginator("list_objects_v2").paginate(Bucket=location.bucket, Prefix=prefix)
            keys = [item["Key"] for page in pages for item in page.get("Contents", [])]
            if not keys:
                raise StepError(f"{where}: {_s3_reason(missing)}")
            for key in keys:
                target = destination / key[len(prefix):]
                if not target.resolve().is_relative_to(destination.resolve()):
                    raise StepError(f"{where}: object {key} lies outside the artifact's folder")
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(self._s3.get_object(Bucket=location.bucket, Key=key)["Body"].read())
        except (BotoCoreError, ClientError) as exc:
            raise StepError(f"{where}: {_s3_reason(exc)}") from exc


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
