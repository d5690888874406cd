"""``python -m bench``: paramleak's speed goals, each measured beside a baseline in one run.

See ``python -m bench --help``. The rows live in ``bench.requests`` (per request),
``bench.detection`` (time to first detection) and ``bench.scale`` (routes, xdist, the suite).
Nothing here imports an app at import time: the apps' models must be built after
``paramleak.arm()``.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
