"""Fix for ``repro/handler_merge.py``: validate the path and the body each with its own model.

``RunRequest`` keeps ``extra='forbid'`` and sees the body alone, so a client's unknown field
is still an error, and nothing from the URL can reach it.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse

from repro.routines.app import RUN, create_router, create_routines_app, read_router, run_trigger
from repro.routines.errors import read_json_object
from repro.routines.models import RunRequest, TriggerPath
from repro.routines.scheduler import Clock, system_clock

router = APIRouter()


@router.post(RUN)
async def run_route(request: Request) -> JSONResponse:
    path = TriggerPath.model_validate(request.path_params)
    run = RunRequest.model_validate(await read_json_object(request))
    return run_trigger(request, path.trigger_id, run.note)


def create_app(clock: Clock = system_clock) -> FastAPI:
    return create_routines_app(read_router, create_router, router, clock=clock)


app = create_app()
