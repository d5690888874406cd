"""The routines service that every variant shares: store, scheduler, errors, list/get/create.

A variant supplies the routers that differ (at least the run route) and gets an app:
``create_routines_app(read_router, create_router, run_router)``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import datetime

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse

from repro.routines.cron import CronExpression
from repro.routines.errors import ApiError, install_error_envelope
from repro.routines.models import CreateTriggerRequest
from repro.routines.scheduler import Clock, Scheduler, system_clock
from repro.routines.store import Trigger, TriggerStore

TRIGGERS = "/v1/code/triggers"
TRIGGER = "/v1/code/triggers/{trigger_id}"
RUN = "/v1/code/triggers/{trigger_id}/run"


def create_routines_app(*routers: APIRouter, clock: Clock = system_clock) -> FastAPI:
    """An app with its own store and scheduler, serving ``routers``.

    Served by uvicorn, the lifespan ticks the scheduler every second; tests call
    ``app.state.scheduler.tick()`` with a fake clock instead. Paths are exact: no redirect
    adds or drops a trailing slash, so ``/v1/code/triggers/`` (an empty id) is a 404.
    """
    store = TriggerStore()
    scheduler = Scheduler(store, clock)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        task = asyncio.create_task(scheduler.run_forever())
        yield
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task

    app = FastAPI(title="routines", lifespan=lifespan, redirect_slashes=False)
    app.state.store = store
    app.state.scheduler = scheduler
    install_error_envelope(app)
    for router in routers:
        app.include_router(router)
    return app


def store_of(request: Request) -> TriggerStore:
    store: TriggerStore = request.app.state.store
    return store


def now_of(request: Request) -> datetime:
    scheduler: Scheduler = request.app.state.scheduler
    return scheduler.clock()


def find_trigger(request: Request, trigger_id: str) -> Trigger:
    trigger = store_of(request).get(trigger_id)
    if trigger is None:
        raise ApiError(404, f"trigger {trigger_id} not found")
    return trigger


def list_triggers(request: Request) -> JSONResponse:
    return JSONResponse({"data": [trigger.to_json() for trigger in store_of(request).all()]})


def create_trigger(request: Request, spec: CreateTriggerRequest) -> JSONResponse:
    cron = CronExpression.parse(spec.cron_expression) if spec.cron_expression else None
    trigger = store_of(request).create(
        name=spec.name,
        cron_expression=cron,
        run_once_at=spec.run_once_at,
        now=now_of(request),
    )
    return JSONResponse(trigger.to_json(), status_code=201)


def run_trigger(request: Request, trigger_id: str, note: str | None) -> JSONResponse:
    """Run ``trigger_id`` now: what every variant's run route ends in.

    Routes answer ``JSONResponse`` rather than a dict so that FastAPI validates no response
    model: the only validations in a request are the ones the variant makes.
    """
    run = store_of(request).run(trigger_id, now=now_of(request), note=note)
    if run is None:
        raise ApiError(404, f"trigger {trigger_id} not found")
    return JSONResponse(run.to_json())


read_router = APIRouter()


@read_router.get(TRIGGERS)
async def list_route(request: Request) -> JSONResponse:
    return list_triggers(request)


@read_router.get(TRIGGER)
async def get_route(request: Request, trigger_id: str) -> JSONResponse:
    return JSONResponse(find_trigger(request, trigger_id).to_json())


create_router = APIRouter()


@create_router.post(TRIGGERS, status_code=201)
async def create_route(request: Request, spec: CreateTriggerRequest) -> JSONResponse:
    return create_trigger(request, spec)
