"""Leaks: a mounted sub-app merges ``request.path_params``, which carry the mount's param.

``app.mount("/tenants/{tenant}", projects)``: Starlette puts the mount's ``tenant`` into the
sub-request's ``path_params`` next to the route's own ``project_id``. The archive handler
validates ``{**request.path_params, **body}`` with a strict ``ArchiveRequest``, so every
archive fails: 422 ``application/problem+json`` (RFC 7807) listing both params.

Audit must report, for ``/tenants/{tenant}/projects/{project_id}/archive``:
``("POST", ..., "tenant", "rejected")`` and ``("POST", ..., "project_id", "rejected")``.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError


class ArchiveRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str | None = Field(default=None, max_length=200)
    notify: bool = False


projects = FastAPI()


@projects.exception_handler(ValidationError)
async def problem(request: Request, exc: ValidationError) -> JSONResponse:
    invalid = [{"name": ".".join(map(str, e["loc"])), "reason": e["msg"]} for e in exc.errors()]
    return JSONResponse(
        {"type": "about:blank", "title": "Invalid request", "status": 422, "invalid": invalid},
        status_code=422,
        media_type="application/problem+json",
    )


@projects.post("/projects/{project_id}/archive")
async def archive(request: Request) -> dict[str, Any]:
    body: dict[str, Any] = await request.json() if await request.body() else {}
    archived = ArchiveRequest.model_validate({**request.path_params, **body})  # the leak
    return {"project_id": request.path_params["project_id"], **archived.model_dump()}


app = FastAPI()
app.mount("/tenants/{tenant}", projects)
