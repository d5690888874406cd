"""Leaks: a ``{file_path:path}`` param, slashes and all, merged into a strict model.

``PUT /files/{file_path:path}`` builds ``FileMeta(**{"file_path": file_path, **body})``;
``FileMeta`` forbids unknown fields, and the handler turns the error into FastAPI's
``HTTPException`` shape: 400 ``{"detail": "file_path: Extra inputs are not permitted"}``.

Audit must report: ``("PUT", "/files/{file_path:path}", "file_path", "rejected")``.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError


class FileMeta(BaseModel):
    model_config = ConfigDict(extra="forbid")
    content_type: str = Field(default="application/octet-stream", max_length=100)
    public: bool = False


app = FastAPI()


@app.put("/files/{file_path:path}")
async def put_file_meta(file_path: str, request: Request) -> dict[str, Any]:
    body: dict[str, Any] = await request.json() if await request.body() else {}
    try:
        meta = FileMeta(**{"file_path": file_path, **body})  # the leak
    except ValidationError as exc:
        first = exc.errors()[0]
        detail = f"{'.'.join(map(str, first['loc']))}: {first['msg']}"
        raise HTTPException(status_code=400, detail=detail) from None
    return {"file_path": file_path, **meta.model_dump()}
