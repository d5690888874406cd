"""Correct (trap): an optional strict body; omitted, ``null`` or an object all work.

``POST /jobs/{job_id}/cancel`` takes ``options: CancelOptions | None = None``; the body
model forbids unknown fields and never sees the job id.

Audit must report: nothing (no findings, nothing unchecked).
"""

from __future__ import annotations

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field


class CancelOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str | None = Field(default=None, max_length=200)
    force: bool = False


app = FastAPI()


@app.post("/jobs/{job_id}/cancel")
def cancel_job(job_id: str, options: CancelOptions | None = None) -> dict[str, object]:
    opts = options or CancelOptions()
    return {"job_id": job_id, "cancelled": True, "force": opts.force, "reason": opts.reason}
