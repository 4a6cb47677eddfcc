"""The growth step's throwaway gateway: a gateway that cannot start says why (exit status and log)."""
from __future__ import annotations

import pytest

from load.growth import GrowthError, throwaway_gateway


def test_a_gateway_that_exits_reports_its_status_and_log(tmp_path):
    script = tmp_path / "broken-pushgateway"
    script.write_text("#!/bin/sh\necho 'listen tcp: address already in use' >&2\nexit 3\n")
    script.chmod(0o755)
    with pytest.raises(GrowthError) as failure:
        with throwaway_gateway(str(script), tmp_path / "groups.data", tmp_path / "gateway.log", check=True):
            pass
    message = str(failure.value)
    assert "exited with status 3" in message
    assert "address already in use" in message
