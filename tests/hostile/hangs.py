"""Apps whose handler never answers in time.

``sleeping_app`` awaits for an hour: a timeout cancels it. ``blocking_app`` calls
``time.sleep`` inside ``async def``, which blocks the event loop itself: nothing can cancel
it, so the audit must give up on the app and leave the loop to finish when the handler
returns (``BLOCK_SECONDS``, short so that a test's thread ends soon after the test).
"""

from __future__ import annotations

import asyncio
import time

from fastapi import FastAPI

BLOCK_SECONDS = 1.5

sleeping_app = FastAPI()


@sleeping_app.post("/jobs/{job_id}/run")
async def run_sleeping(job_id: str) -> dict[str, str]:
    await asyncio.sleep(3600)
    return {"ran": job_id}


@sleeping_app.post("/jobs/{job_id}/cancel")
async def cancel_sleeping(job_id: str) -> dict[str, str]:
    await asyncio.sleep(3600)
    return {"cancelled": job_id}


blocking_app = FastAPI()


@blocking_app.post("/jobs/{job_id}/run")
async def run_blocking(job_id: str) -> dict[str, str]:
    time.sleep(BLOCK_SECONDS)  # blocks the event loop: no timeout can interrupt it
    return {"ran": job_id}


@blocking_app.post("/jobs/{job_id}/cancel")
async def cancel_blocking(job_id: str) -> dict[str, str]:
    time.sleep(BLOCK_SECONDS)
    return {"cancelled": job_id}
