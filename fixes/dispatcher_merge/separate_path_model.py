"""Fix for ``repro/dispatcher_merge.py``: each action declares a path model and an input model.

The dispatcher validates path params with the path model and query plus body with the input
model; no model sees another source's keys, and all keep ``extra='forbid'``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from repro.dispatcher_merge import ListInput
from repro.routines.app import (
    RUN,
    TRIGGER,
    TRIGGERS,
    create_routines_app,
    create_trigger,
    find_trigger,
    list_triggers,
    run_trigger,
)
from repro.routines.errors import read_json_object
from repro.routines.models import CreateTriggerRequest, RunRequest, StrictModel, TriggerPath
from repro.routines.scheduler import Clock, system_clock


class NoPath(StrictModel):
    pass


class NoInput(StrictModel):
    pass


def list_action(request: Request, path: NoPath, args: ListInput) -> JSONResponse:
    return list_triggers(request)


def get_action(request: Request, path: TriggerPath, args: NoInput) -> JSONResponse:
    return JSONResponse(find_trigger(request, path.trigger_id).to_json())


def create_action(request: Request, path: NoPath, args: CreateTriggerRequest) -> JSONResponse:
    return create_trigger(request, args)


def run_action(request: Request, path: TriggerPath, args: RunRequest) -> JSONResponse:
    return run_trigger(request, path.trigger_id, args.note)


@dataclass(frozen=True)
class Action:
    method: str
    path: str
    path_model: type[BaseModel]
    model: type[BaseModel]
    handler: Callable[[Request, Any, Any], JSONResponse]


ACTIONS = {
    "list": Action("GET", TRIGGERS, NoPath, ListInput, list_action),
    "get": Action("GET", TRIGGER, TriggerPath, NoInput, get_action),
    "create": Action("POST", TRIGGERS, NoPath, CreateTriggerRequest, create_action),
    "run": Action("POST", RUN, TriggerPath, RunRequest, run_action),
}


def endpoint(action: Action) -> Callable[[Request], Awaitable[JSONResponse]]:
    async def dispatch(request: Request) -> JSONResponse:
        path = action.path_model.model_validate(request.path_params)
        body = await read_json_object(request) if action.method == "POST" else {}
        args = action.model.model_validate({**request.query_params, **body})
        return action.handler(request, path, args)

    return dispatch


router = APIRouter()
for name, action in ACTIONS.items():
    router.add_api_route(action.path, endpoint(action), methods=[action.method], name=name)


def create_app(clock: Clock = system_clock) -> FastAPI:
    return create_routines_app(router, clock=clock)


app = create_app()
