"""A target whose import fails: configuration read at import time, and missing."""

from __future__ import annotations

from fastapi import FastAPI

raise RuntimeError("DATABASE_URL is not set\n(read at import time)")

app = FastAPI()
