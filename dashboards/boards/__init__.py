"""The dashboards. Each module's `dashboard()` returns a grafana-foundation-sdk builder."""
from __future__ import annotations

import json

from grafana_foundation_sdk.cog.encoder import JSONEncoder

from dashboards.boards import platform_health, run_times, tenant_overview

BOARDS = (run_times, tenant_overview, platform_health)


def dashboard_models() -> list[dict]:
    """Every dashboard as the JSON model Grafana stores (uid, title, panels...)."""
    return [json.loads(json.dumps(board.dashboard().build(), cls=JSONEncoder)) for board in BOARDS]
