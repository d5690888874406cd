"""Fix for ``repro/route_rewrite.py``: drop the rewriting route class; let FastAPI do its job.

FastAPI validates a declared path parameter and a declared body model separately: the path
param against its own type and pattern, the body against ``RunRequest``, which keeps
``extra='forbid'``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, FastAPI, Path, Request
from fastapi.responses import JSONResponse

from repro.routines.app import RUN, create_router, create_routines_app, read_router, run_trigger
from repro.routines.models import RunRequest
from repro.routines.scheduler import Clock, system_clock
from repro.routines.store import TRIGGER_ID_PATTERN

router = APIRouter()


@router.post(RUN)
async def run_route(
    request: Request,
    trigger_id: Annotated[str, Path(pattern=TRIGGER_ID_PATTERN)],
    run: Annotated[RunRequest | None, Body()] = None,
) -> JSONResponse:
    return run_trigger(request, trigger_id, run.note if run else None)


def create_app(clock: Clock = system_clock) -> FastAPI:
    return create_routines_app(read_router, create_router, router, clock=clock)


app = create_app()
