"""Wrong, dangerous fix for ``repro/handler_merge.py``: declare ``trigger_id`` in the body model.

The id is no longer "extra", so the 400 goes away. But the merge lets the body win, so
``POST /v1/code/triggers/<A>/run`` with ``{"trigger_id": "<B>"}`` runs trigger B: mass
assignment, OWASP API3:2023 (Broken Object Property Level Authorization, CWE-915). An
authorization check on the path's trigger would pass and the action would hit another.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse

from repro.routines.app import RUN, create_router, create_routines_app, read_router, run_trigger
from repro.routines.errors import read_json_object
from repro.routines.models import RunRequest, TriggerId
from repro.routines.scheduler import Clock, system_clock


class RunWithTriggerRequest(RunRequest):
    trigger_id: TriggerId


router = APIRouter()


@router.post(RUN)
async def run_route(request: Request) -> JSONResponse:
    body = await read_json_object(request)
    run = RunWithTriggerRequest.model_validate({**request.path_params, **body})
    return run_trigger(request, run.trigger_id, run.note)


def create_app(clock: Clock = system_clock) -> FastAPI:
    return create_routines_app(read_router, create_router, router, clock=clock)


app = create_app()
