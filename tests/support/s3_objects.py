"""What a test wrote through S3 and got acknowledged, and which of it cannot be read back as written."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from botocore.exceptions import BotoCoreError, ClientError


@dataclass
class AcknowledgedWrites:
    """Objects whose PUT answered 200: (bucket, key) -> SHA-256 of the body sent."""

    digests: dict[tuple[str, str], str] = field(default_factory=dict)

    def put(self, client, bucket: str, key: str, body: bytes) -> None:
        """PUT the object; recorded only once S3 has acknowledged it (an exception records nothing)."""
        client.put_object(Bucket=bucket, Key=key, Body=body)
        self.digests[(bucket, key)] = hashlib.sha256(body).hexdigest()

    def __len__(self) -> int:
        return len(self.digests)

    def unreadable(self, client) -> list[str]:
        """One line per acknowledged object that is missing or reads back different, naming it."""
        problems = []
        for (bucket, key), digest in sorted(self.digests.items()):
            try:
                body = client.get_object(Bucket=bucket, Key=key)["Body"].read()
            except (ClientError, BotoCoreError) as exc:
                problems.append(f"s3://{bucket}/{key}: {exc}")
                continue
            if hashlib.sha256(body).hexdigest() != digest:
                problems.append(f"s3://{bucket}/{key}: {len(body)} bytes that differ from what was written")
        return problems
