"""The local platform's S3 server: SeaweedFS' `weed server -s3`, with the administrator's identity (every
bucket), one identity per tenant limited to the tenant's own bucket, and the buckets themselves."""
from __future__ import annotations

import json
from pathlib import Path

import boto3
from botocore.config import Config

from harness.local.settings import S3Settings
from harness.net import HOST
from harness.tenants import Tenant

# How long `weed server` gets after SIGTERM before SIGKILL. On SIGTERM (also SIGINT, SIGALRM) weed runs
# its parts' shutdown hooks newest first: filer, volume, master. The filer's hook begins with a gRPC
# GracefulStop that waits for every open stream, and two never end: the filer's own metadata
# aggregator and the S3 gateway each follow the filer's metadata over SubscribeLocalMetadata. So it
# always runs to its timeout (15 s in weed 4.48), which no flag of `weed server` sets (`weed mini`
# cuts it to 1 s for the same reason), and only then do the volume and master hooks run.
# Waiting buys nothing: an acknowledged S3 write is already written to the volume's .dat and .idx
# and the filer's leveldb journal (write(2), no buffer in the process), which SIGKILL does not undo.
# The grace lets requests in flight at SIGTERM finish. docs/local-platform.md#stopping-seaweedfs.
STOP_GRACE_SECONDS = 1.0


# What a tenant may do, each scoped to its own bucket with SeaweedFS' "<Action>:<bucket>" form.
TENANT_ACTIONS = ("Read", "Write", "List", "Tagging")


def identities(s3: S3Settings, tenants: list[Tenant]) -> dict:
    """-s3.config: the administrator (platform.yaml's keys) may do everything; a tenant only in its bucket."""
    return {"identities": [{
        "name": "simplepipe",
        "credentials": [{"accessKey": s3.access_key, "secretKey": s3.secret_key}],
        "actions": ["Admin", "Read", "List", "Tagging", "Write"],
    }] + [{
        "name": f"tenant-{tenant.name}",
        "credentials": [{"accessKey": tenant.s3_access_key, "secretKey": tenant.s3_secret_key}],
        "actions": [f"{action}:{tenant.artifact_bucket}" for action in TENANT_ACTIONS],
    } for tenant in tenants]}


def write_identities(path: Path, s3: S3Settings, tenants: list[Tenant]) -> bool:
    """Write the file; True when its content changed (weed reads it only when it starts)."""
    text = json.dumps(identities(s3, tenants), indent=2) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    changed = not path.exists() or path.read_text() != text
    if changed:
        path.write_text(text)
    path.chmod(0o600)
    return changed


# Weed grows 7 volumes at once for a new collection, and every bucket is its own collection:
# the volume limit must leave room for each bucket's first growth, or writes there fail (InternalError).
VOLUMES_PER_BUCKET = 8


def weed_argv(binary: Path, data: Path, logs: Path, identities: Path, ports: dict[str, int],
              buckets: int = 2) -> list[str]:
    data.mkdir(parents=True, exist_ok=True)
    logs.mkdir(parents=True, exist_ok=True)
    return [
        str(binary), f"-logdir={logs}", "server", f"-dir={data}", f"-ip={HOST}", f"-ip.bind={HOST}",
        f"-master.port={ports['master_port']}", f"-master.port.grpc={ports['master_grpc_port']}",
        f"-volume.port={ports['volume_port']}", f"-volume.port.grpc={ports['volume_grpc_port']}",
        "-filer", f"-filer.port={ports['filer_port']}", f"-filer.port.grpc={ports['filer_grpc_port']}",
        f"-filer.localSocket={data}/filer.sock",
        "-s3", f"-s3.port={ports['s3_port']}", f"-s3.port.grpc={ports['s3_grpc_port']}",
        f"-s3.localSocket={data}/s3.sock", f"-s3.config={identities}",
        # Defaults that would listen on fixed ports or call out of the machine.
        "-s3.port.iceberg=0", "-s3.port.lance=0", "-master.telemetry=false",
        # Small volumes: a dev platform on a laptop, not 30 GB preallocated per volume.
        "-master.volumeSizeLimitMB=64", f"-volume.max={VOLUMES_PER_BUCKET * max(buckets, 2)}",
        "-volume.preStopSeconds=0",
        # One master: its raft state buys nothing, and resuming it stalls a restart ~20 s in leader election.
        "-master.resumeState=false",
    ]


def s3_client(endpoint: str, s3: S3Settings, keys: tuple[str, str] | None = None):
    """A client with the administrator's keys, or with `keys` (access, secret), e.g. a tenant's."""
    access_key, secret_key = keys or (s3.access_key, s3.secret_key)
    return boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=access_key,
                        aws_secret_access_key=secret_key, region_name=s3.region,
                        config=Config(s3={"addressing_style": "path"}, connect_timeout=2, read_timeout=10,
                                      retries={"max_attempts": 1}))


# An object in the administrator's bucket, read back by every readiness probe: after a restart weed's
# S3 answers before its volume server has reported its volumes to the master, and until then reading
# an object fails (InternalError, "volume N not found") although nothing is lost.
READY_PROBE_KEY = ".simplepipe/s3-ready"


def ensure_buckets(endpoint: str, s3: S3Settings, buckets: list[str]) -> bool:
    """Create the buckets that do not exist yet (as the administrator) and read the probe object back;
    True once both work (S3's readiness probe)."""
    client = s3_client(endpoint, s3)
    existing = {b["Name"] for b in client.list_buckets().get("Buckets", [])}
    for bucket in buckets:
        if bucket not in existing:
            client.create_bucket(Bucket=bucket)
            client.head_bucket(Bucket=bucket)
    try:
        client.get_object(Bucket=s3.bucket, Key=READY_PROBE_KEY)["Body"].read()
    except client.exceptions.NoSuchKey:  # a new store: written once, then read like any object
        client.put_object(Bucket=s3.bucket, Key=READY_PROBE_KEY, Body=b"written by make up's readiness probe\n")
        client.get_object(Bucket=s3.bucket, Key=READY_PROBE_KEY)["Body"].read()
    return True


def stale_sockets(ports: dict[str, int]) -> list[Path]:
    """Unix sockets weed leaves in /tmp named after our gRPC ports (it has no flag for some of them)."""
    found: list[Path] = []
    for port in ports.values():
        found.extend(Path("/tmp").glob(f"seaweedfs-*-{port}.sock"))
    return found
