"""Apps whose handlers need what their lifespan sets up.

``app`` opens its "database" (``app.state.db``) at startup and closes it at shutdown; a
handler that runs without the startup answers 500. One route merges the path into its body
model (a leak), one validates them apart. ``state_app`` hands its database to requests as
lifespan state (``yield {"db": ...}``, read as ``request.state.db``). ``failing_app``'s
startup raises; ``hanging_app``'s never completes.

``EVENTS`` records, in order, every startup, shutdown and request that reached a database.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, ValidationError

EVENTS: list[str] = []


class Database:
    def __init__(self) -> None:
        self.open = True

    def run(self, job_id: str) -> dict[str, str]:
        if not self.open:
            raise RuntimeError("database closed")
        EVENTS.append("request")
        return {"ran": job_id}


class RunBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str | None = None


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    body = await request.json() if raw else {}
    return body if isinstance(body, dict) else {}


@asynccontextmanager
async def open_database(app: FastAPI) -> AsyncIterator[None]:
    EVENTS.append("startup")
    app.state.db = Database()
    yield
    app.state.db.open = False
    del app.state.db
    EVENTS.append("shutdown")


app = FastAPI(lifespan=open_database)


@app.post("/jobs/{job_id}/run")
async def run_job(request: Request, job_id: str) -> JSONResponse:
    db: Database = request.app.state.db  # AttributeError (a 500) without the startup
    try:
        body = RunBody.model_validate({**request.path_params, **await _body(request)})
    except ValidationError as error:
        return JSONResponse({"detail": error.errors(include_url=False)}, status_code=400)
    return JSONResponse({**db.run(job_id), "note": body.note})


@app.post("/jobs/{job_id}/retry")
async def retry_job(request: Request, job_id: str) -> JSONResponse:
    db: Database = request.app.state.db
    try:
        body = RunBody.model_validate(await _body(request))
    except ValidationError as error:
        return JSONResponse({"detail": error.errors(include_url=False)}, status_code=400)
    return JSONResponse({**db.run(job_id), "note": body.note})


@asynccontextmanager
async def database_as_state(app: FastAPI) -> AsyncIterator[dict[str, Database]]:
    db = Database()
    yield {"db": db}
    db.open = False


state_app = FastAPI(lifespan=database_as_state)


@state_app.post("/jobs/{job_id}/run")
async def run_with_state(request: Request, job_id: str) -> JSONResponse:
    db: Database = request.state.db  # AttributeError (a 500) without lifespan state
    try:
        body = RunBody.model_validate({**request.path_params, **await _body(request)})
    except ValidationError as error:
        return JSONResponse({"detail": error.errors(include_url=False)}, status_code=400)
    return JSONResponse({**db.run(job_id), "note": body.note})


@asynccontextmanager
async def refuse_to_start(app: FastAPI) -> AsyncIterator[None]:
    raise RuntimeError("cannot reach postgres://db:5432\n(connection refused)")
    yield


failing_app = FastAPI(lifespan=refuse_to_start)
failing_app.post("/jobs/{job_id}/run")(run_job)


@asynccontextmanager
async def never_start(app: FastAPI) -> AsyncIterator[None]:
    await asyncio.sleep(3600)
    yield


hanging_app = FastAPI(lifespan=never_start)
hanging_app.post("/jobs/{job_id}/run")(run_job)
