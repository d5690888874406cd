"""Masking fix for ``repro/route_rewrite.py``: keep the rewrite, make the body model lenient.

FastAPI still validates the rewritten body, path params included; ``extra='ignore'`` drops
them there, together with any field a client misspells.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import ConfigDict

from repro.route_rewrite import PathInBodyRoute
from repro.routines.app import RUN, create_router, create_routines_app, read_router, run_trigger
from repro.routines.models import RunRequest
from repro.routines.scheduler import Clock, system_clock


class LenientRunRequest(RunRequest):
    model_config = ConfigDict(extra="ignore")


router = APIRouter(route_class=PathInBodyRoute)


@router.post(RUN)
async def run_route(
    request: Request, trigger_id: str, run: Annotated[LenientRunRequest | None, Body()] = None
) -> JSONResponse:
    return run_trigger(request, trigger_id, run.note if run else None)


def create_app(clock: Clock = system_clock) -> FastAPI:
    return create_routines_app(read_router, create_router, router, clock=clock)


app = create_app()
