"""Bug, the seed: the run handler validates ``{**path_params, **body}`` with a strict model.

``RunRequest`` forbids unknown fields and does not declare ``trigger_id``, so every run,
body omitted or ``{}``, answers 400 ``trigger_id: Extra inputs are not permitted``.
Fixes: ``fixes/handler_merge/``.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse

from repro.routines.app import RUN, create_router, create_routines_app, read_router, run_trigger
from repro.routines.errors import read_json_object
from repro.routines.models import RunRequest
from repro.routines.scheduler import Clock, system_clock

router = APIRouter()


@router.post(RUN)
async def run_route(request: Request) -> JSONResponse:
    body = await read_json_object(request)
    run = RunRequest.model_validate({**request.path_params, **body})  # the leak
    return run_trigger(request, request.path_params["trigger_id"], run.note)


def create_app(clock: Clock = system_clock) -> FastAPI:
    return create_routines_app(read_router, create_router, router, clock=clock)


app = create_app()
