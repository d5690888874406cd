"""Apps that are not FastAPI apps.

``app`` is a bare ASGI callable: it serves requests, but lists no routes to audit.
``wrapped`` is ASGI middleware around a FastAPI app that leaks, keeping it as ``.app``
the way Starlette's middleware do: the audit looks through it.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, ValidationError

Scope = dict[str, Any]


async def app(scope: Scope, receive: Any, send: Any) -> None:
    if scope["type"] != "http":  # no lifespan support, as many hand-written apps
        raise RuntimeError(f"unsupported scope {scope['type']!r}")
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str | None = None


inner = FastAPI()


@inner.post("/jobs/{job_id}/run")
async def run_job(request: Request) -> JSONResponse:
    raw = await request.body()
    body = await request.json() if raw else {}
    try:
        Body.model_validate({**request.path_params, **body})
    except ValidationError as error:
        return JSONResponse({"detail": error.errors(include_url=False)}, status_code=400)
    return JSONResponse({"ran": True})


class RequestIdMiddleware:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        async def with_id(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"request-id", b"req_1")]
            await send(message)

        await self.app(scope, receive, with_id if scope["type"] == "http" else send)


wrapped = RequestIdMiddleware(inner)
