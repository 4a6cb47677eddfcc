"""A real SeaweedFS S3 for the runner's integration tests: the local platform's own (harness.local.seaweedfs)
on free ports, with the artifact bucket and the buckets of two tenants, for the whole session."""
from __future__ import annotations

from pathlib import Path

import pytest

from harness.local import seaweedfs
from harness.local.settings import Ports, S3Settings
from harness.net import HOST
from harness.processes import SupervisedProcess
from harness.tenants import Tenant

WEED = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "weed"
ACCESS_KEY, SECRET_KEY, BUCKET = "runner-test", "runner-test-secret", "argo-artifacts"
TENANT = Tenant(name="alice", namespace="alice", username="alice", password="pw", local_port=0)
OTHER = Tenant(name="bob", namespace="bob", username="bob", password="pw", local_port=0)


@pytest.fixture(scope="session")
def s3(tmp_path_factory):
    """(endpoint, boto3 client as the administrator)."""
    root = tmp_path_factory.mktemp("seaweedfs")
    settings = S3Settings(access_key=ACCESS_KEY, secret_key=SECRET_KEY, bucket=BUCKET, region="us-east-1")
    seaweedfs.write_identities(root / "s3.json", settings, [TENANT, OTHER])
    ports = Ports.free([]).s3
    endpoint = f"http://{HOST}:{ports['s3_port']}"
    # Stopped as `make down` stops it (harness.local.seaweedfs.STOP_GRACE_SECONDS).
    argv = seaweedfs.weed_argv(WEED, root / "data", root / "logs", root / "s3.json", ports, buckets=3)
    weed = SupervisedProcess("seaweedfs", argv, root / "weed.log", stop_grace=seaweedfs.STOP_GRACE_SECONDS)
    try:
        with weed:
            buckets = [BUCKET, TENANT.artifact_bucket, OTHER.artifact_bucket]
            weed.wait_ready(lambda: seaweedfs.ensure_buckets(endpoint, settings, buckets), 60,
                            f"S3 at {endpoint} to have buckets {buckets}")
            yield endpoint, seaweedfs.s3_client(endpoint, settings)
    finally:
        for socket_file in seaweedfs.stale_sockets(ports):
            socket_file.unlink(missing_ok=True)
