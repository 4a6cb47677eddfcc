"""SeaweedFS stopped as `make down` stops it (harness.local.seaweedfs.STOP_GRACE_SECONDS) loses no
acknowledged artifact write: objects written through S3 with boto3, as the workflow runner writes
artifacts, before and while the platform goes down, all read back byte for byte once it is up again."""
from __future__ import annotations

import itertools
import os
import threading

import pytest

from harness.local import LocalPlatform
from harness.local.seaweedfs import s3_client
from harness.tenants import tenant_by_name
from tests.support.s3_objects import AcknowledgedWrites

pytestmark = [pytest.mark.timeout(300)]

# Empty, tiny, a few KiB, and larger than the filer's 4 MiB chunk (several chunks on the volume server).
SIZES = (0, 1, 100, 4096, 65_536, 1_000_000, 6 * 1024 * 1024)


def clients(platform: LocalPlatform, tenant):
    """The administrator's client and the tenant's own (the runner uses the tenant's keys)."""
    endpoint, settings = platform.s3_endpoint, platform.settings.s3
    return s3_client(endpoint, settings), s3_client(endpoint, settings, (tenant.s3_access_key, tenant.s3_secret_key))


def write_until(stop: threading.Event, client, bucket: str, written: AcknowledgedWrites) -> None:
    """Small objects, one after another, until told to stop; only acknowledged ones are recorded."""
    for n in itertools.count():
        if stop.is_set():
            return
        try:
            written.put(client, bucket, f"during-down/{n:05d}", os.urandom(512 + n % 2048))
        except Exception:  # noqa: BLE001 - S3 going away is the point; an unanswered PUT is not acknowledged
            stop.wait(0.05)


def test_every_acknowledged_write_survives_down_and_up(tmp_path):
    tenant = tenant_by_name("alice")
    platform = LocalPlatform(state_dir=tmp_path / "platform", ports="free", tenants=[tenant])
    written, during_down = AcknowledgedWrites(), AcknowledgedWrites()
    try:
        platform.up()
        admin, own = clients(platform, tenant)
        for size in SIZES:
            written.put(own, tenant.artifact_bucket, f"before-down/{size}", os.urandom(size))
            written.put(admin, platform.settings.s3.bucket, f"before-down/{size}", os.urandom(size))

        stop = threading.Event()
        writer = threading.Thread(target=write_until, args=(stop, own, tenant.artifact_bucket, during_down))
        writer.start()
        try:
            while len(during_down) < 20 and writer.is_alive():  # writing is under way when down begins
                stop.wait(0.05)
            platform.down()
        finally:
            stop.set()
            writer.join(30)

        platform.up()
        admin, _ = clients(platform, tenant)
        assert written.unreadable(admin) == []
        assert len(during_down) >= 20
        assert during_down.unreadable(admin) == []

        # The check itself: an object removed, and one rewritten, behind the record's back are both named.
        key = f"before-down/{SIZES[-1]}"
        admin.delete_object(Bucket=tenant.artifact_bucket, Key=key)
        admin.put_object(Bucket=platform.settings.s3.bucket, Key=key, Body=b"not what was acknowledged")
        problems = written.unreadable(admin)
        assert len(problems) == 2, problems
        assert problems[0].startswith(f"s3://{platform.settings.s3.bucket}/{key}: 25 bytes that differ")
        assert problems[1].startswith(f"s3://{tenant.artifact_bucket}/{key}: ") and "NoSuchKey" in problems[1]
    finally:
        platform.down()
