"""The Pushgateway's raw ingest: wrk sending PUTs of the same small body, no Python in the path."""
from __future__ import annotations

import base64
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from load.plan import TenantTarget

# wrk's script API: one request shape, sent as fast as the connections allow.
_WRK_SCRIPT = """-- written by load.ceiling: PUT the small payload, as the load's small workflows do
wrk.method = "PUT"
{headers}
local body_file = io.open("{body_path}", "rb")
wrk.body = body_file:read("*a")
body_file:close()
"""
DEFAULT_HEADERS = {"Content-Type": "text/plain; version=0.0.4; charset=utf-8"}


class CeilingError(RuntimeError):
    """wrk could not measure the gateway's ingest (missing binary, refused pushes, no result)."""


@dataclass(frozen=True)
class Ceiling:
    tenant: str
    requests_per_second: float
    requests: int
    latency_p50_ms: float | None
    latency_p99_ms: float | None
    output: str


def measure_ceiling(target: TenantTarget, group_path: str, body: bytes, out_dir: Path, *,
                    seconds: int = 10, threads: int = 2, connections: int = 8,
                    headers: dict[str, str] | None = None) -> Ceiling:
    """PUT `body` with `headers` (default: Content-Type and the tenant's basic auth) for `seconds` with wrk."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise CeilingError("wrk is not installed: `apt-get install wrk` (Debian/Ubuntu) or `brew install wrk`")
    body_path = out_dir / "ceiling-body.prom"
    body_path.write_bytes(body)
    token = base64.b64encode(f"{target.username}:{target.password}".encode()).decode()
    script = out_dir / "ceiling.lua"
    sent = headers or dict(DEFAULT_HEADERS, Authorization=f"Basic {token}")
    lines = "\n".join(f'wrk.headers["{name}"] = "{value}"' for name, value in sent.items()
                      if name.lower() not in ("content-length", "host"))
    script.write_text(_WRK_SCRIPT.format(headers=lines, body_path=body_path))
    url = f"{target.url.rstrip('/')}/metrics/{group_path}"
    command = [wrk, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), url]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 30, check=False)
    except subprocess.TimeoutExpired as exc:
        raise CeilingError(f"wrk did not finish within {seconds + 30}s: {' '.join(command)}") from exc
    output = done.stdout + done.stderr
    (out_dir / "ceiling-wrk.txt").write_text(" ".join(command) + "\n" + output)
    if done.returncode != 0:
        raise CeilingError(f"wrk exited with {done.returncode}: {output.strip()[-500:]}")
    refused = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    if refused:
        raise CeilingError(
            f"{target.name}'s gateway refused {refused.group(1)} of wrk's PUTs to {url} "
            f"(credentials or body wrong?): see {out_dir / 'ceiling-wrk.txt'}"
        )
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    count = re.search(r"(\d+) requests in", output)
    if not rate or not count:
        raise CeilingError(f"no Requests/sec in wrk's output: {output.strip()[-500:]}")
    return Ceiling(
        tenant=target.name,
        requests_per_second=float(rate.group(1)),
        requests=int(count.group(1)),
        latency_p50_ms=_latency_ms(output, "50%"),
        latency_p99_ms=_latency_ms(output, "99%"),
        output=output,
    )


def _latency_ms(output: str, percentile: str) -> float | None:
    found = re.search(rf"^\s+{re.escape(percentile)}\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
    if not found:
        return None
    value, unit = float(found.group(1)), found.group(2)
    return value * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
