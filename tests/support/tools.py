"""The command-line tools tests run: this venv's `simplepipe`, and the Debian packages' promtool and amtool."""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

SIMPLEPIPE = str(Path(sys.executable).with_name("simplepipe"))
PROMTOOL = shutil.which("promtool") or "/usr/bin/promtool"
AMTOOL = shutil.which("amtool") or "/usr/bin/amtool"
