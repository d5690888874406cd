"""Correct (trap): a bounded ``int`` param and a ``{key:path}`` param, kept out of the body.

``PUT /buckets/{bucket_id}/objects/{key:path}`` declares ``bucket_id`` as
``Annotated[int, Path(ge=1, le=10**9)]`` and ``key`` with the path converter (slashes
allowed); the body is ``ObjectMeta`` (``extra='forbid'``) and nothing is merged.

Audit must report: nothing (no findings, nothing unchecked).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import FastAPI, Path
from pydantic import BaseModel, ConfigDict, Field


class ObjectMeta(BaseModel):
    model_config = ConfigDict(extra="forbid")
    content_type: str = Field(default="application/octet-stream", max_length=100)
    size_bytes: int = Field(default=0, ge=0)


app = FastAPI()


@app.put("/buckets/{bucket_id}/objects/{key:path}")
def put_object_meta(
    bucket_id: Annotated[int, Path(ge=1, le=10**9)], key: str, meta: ObjectMeta
) -> dict[str, object]:
    return {"bucket_id": bucket_id, "key": key, **meta.model_dump()}
