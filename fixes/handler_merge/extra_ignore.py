"""Masking fix for ``repro/handler_merge.py``: ``extra='ignore'`` on the run model.

The 400 is gone, at two costs the tests show: the path value still reaches body
validation (it is dropped there, not kept out), and a client's misspelled field is
silently dropped instead of rejected.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import ConfigDict

from repro.routines.app import RUN, create_router, create_routines_app, read_router, run_trigger
from repro.routines.errors import read_json_object
from repro.routines.models import RunRequest
from repro.routines.scheduler import Clock, system_clock


class LenientRunRequest(RunRequest):
    model_config = ConfigDict(extra="ignore")


router = APIRouter()


@router.post(RUN)
async def run_route(request: Request) -> JSONResponse:
    body = await read_json_object(request)
    run = LenientRunRequest.model_validate({**request.path_params, **body})
    return run_trigger(request, request.path_params["trigger_id"], run.note)


def create_app(clock: Clock = system_clock) -> FastAPI:
    return create_routines_app(read_router, create_router, router, clock=clock)


app = create_app()
