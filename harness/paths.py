"""Where the checkout is: the one REPO_ROOT every module of the harness, dashboards and load reads.

A leaf that imports nothing of the project. The harness runs from a checkout (make, tests, load);
the product (simplepipe/) never needs it."""
from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
