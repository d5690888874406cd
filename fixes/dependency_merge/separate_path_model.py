"""Fix for ``repro/dependency_merge.py``: the shared dependency validates the body alone.

Path params get a dependency of their own that validates them with a path model, so each
model sees exactly one source and both keep ``extra='forbid'``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

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
from repro.routines.models import CreateTriggerRequest, RunRequest, TriggerPath
from repro.routines.scheduler import Clock, system_clock

M = TypeVar("M", bound=BaseModel)


def validated_body(model: type[M]) -> Callable[[Request], Awaitable[M]]:
    """A dependency that answers ``model`` validated from the JSON body only."""

    async def dependency(request: Request) -> M:
        return model.model_validate(await read_json_object(request))

    return dependency


def validated_path(model: type[M]) -> Callable[[Request], M]:
    """A dependency that answers ``model`` validated from the path params only."""

    def dependency(request: Request) -> M:
        return model.model_validate(request.path_params)

    return dependency


router = APIRouter()


@router.post(TRIGGERS, status_code=201)
async def create_route(
    request: Request,
    spec: Annotated[CreateTriggerRequest, Depends(validated_body(CreateTriggerRequest))],
) -> JSONResponse:
    return create_trigger(request, spec)


@router.post(RUN)
async def run_route(
    request: Request,
    path: Annotated[TriggerPath, Depends(validated_path(TriggerPath))],
    run: Annotated[RunRequest, Depends(validated_body(RunRequest))],
) -> JSONResponse:
    return run_trigger(request, path.trigger_id, run.note)


def create_app(clock: Clock = system_clock) -> FastAPI:
    return create_routines_app(read_router, router, clock=clock)


app = create_app()
