"""Bug: a shared dependency builds every request model from path params plus body.

``validated(Model)`` is written once and used by every write route. Create has no path
params and works; run has ``trigger_id`` in its path, which lands in ``RunRequest``'s
input and is rejected as extra. Fixes: ``fixes/dependency_merge/``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from repro.routines.app import (
    RUN,
    TRIGGERS,
    create_routines_app,
    create_trigger,
    read_router,
    run_trigger,
)
from repro.routines.errors import read_json_object
from repro.routines.models import CreateTriggerRequest, RunRequest
from repro.routines.scheduler import Clock, system_clock

M = TypeVar("M", bound=BaseModel)


def validated(model: type[M]) -> Callable[[Request], Awaitable[M]]:
    """A dependency that answers ``model`` validated from the whole request."""

    async def dependency(request: Request) -> M:
        body = await read_json_object(request)
        return model.model_validate({**request.path_params, **body})  # the leak

    return dependency


def write_routes(
    dependency: Callable[[type[Any]], Callable[[Request], Awaitable[Any]]],
) -> APIRouter:
    """Create and run, each taking its model from ``dependency(Model)``."""
    router = APIRouter()

    # Defaults, not Annotated: the dependency is local, and annotations are strings here.
    @router.post(TRIGGERS, status_code=201)
    async def create_route(
        request: Request,
        spec: CreateTriggerRequest = Depends(dependency(CreateTriggerRequest)),  # noqa: B008
    ) -> JSONResponse:
        return create_trigger(request, spec)

    @router.post(RUN)
    async def run_route(
        request: Request,
        run: RunRequest = Depends(dependency(RunRequest)),  # noqa: B008
    ) -> JSONResponse:
        return run_trigger(request, request.path_params["trigger_id"], run.note)

    return router


router = write_routes(validated)


def create_app(clock: Clock = system_clock) -> FastAPI:
    return create_routines_app(read_router, router, clock=clock)


app = create_app()
