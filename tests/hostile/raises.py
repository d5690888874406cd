"""Apps whose handlers raise on every request.

``app`` lets the exception out (Starlette answers a plain 500); ``handled_app`` has a
custom exception handler answering a JSON 500 envelope; ``hiding_app``'s handler answers
every exception with a 400, so only the exception itself shows that nothing was checked.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict


class Note(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str | None = None


def create_app(*, handler_status: int | None = None) -> FastAPI:
    app = FastAPI()

    if handler_status is not None:

        @app.exception_handler(Exception)
        async def envelope(request: Request, error: Exception) -> JSONResponse:
            return JSONResponse(
                {"type": "error", "error": {"type": "api_error", "message": "internal"}},
                status_code=handler_status,
            )

    @app.post("/jobs/{job_id}/run")
    async def run_job(job_id: str, body: Note | None = None) -> dict[str, str]:
        raise RuntimeError("connection pool exhausted")

    @app.delete("/jobs/{job_id}")
    async def delete_job(job_id: str) -> None:
        raise RuntimeError("connection pool exhausted")

    return app


app = create_app()
handled_app = create_app(handler_status=500)
hiding_app = create_app(handler_status=400)
