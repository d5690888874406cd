"""Masking fix for ``repro/dependency_merge.py``: the shared dependency validates leniently.

The merge stays; the dependency asks pydantic (>= 2.11) to ignore extra keys at call time,
``model_validate(data, extra='ignore')``, so the path value is dropped inside validation,
and so is any misspelled field a client sends to create or run.
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
from repro.routines.models import CreateTriggerRequest, RunRequest
from repro.routines.scheduler import Clock, system_clock

M = TypeVar("M", bound=BaseModel)


def validated(model: type[M]) -> Callable[[Request], Awaitable[M]]:
    async def dependency(request: Request) -> M:
        body = await read_json_object(request)
        return model.model_validate({**request.path_params, **body}, extra="ignore")

    return dependency


router = APIRouter()


@router.post(TRIGGERS, status_code=201)
async def create_route(
    request: Request,
    spec: Annotated[CreateTriggerRequest, Depends(validated(CreateTriggerRequest))],
) -> JSONResponse:
    return create_trigger(request, spec)


@router.post(RUN)
async def run_route(
    request: Request, run: Annotated[RunRequest, Depends(validated(RunRequest))]
) -> JSONResponse:
    return run_trigger(request, request.path_params["trigger_id"], run.note)


def create_app(clock: Clock = system_clock) -> FastAPI:
    return create_routines_app(read_router, router, clock=clock)


app = create_app()
