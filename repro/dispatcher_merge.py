"""Bug: an action dispatcher validates path, query and body together with the action's model.

One table maps each action to its route, input model and handler; one endpoint per action
builds the input as ``{**path_params, **query_params, **body}``. ``get``'s model declares
``trigger_id``, so list and get work; ``run``'s model was written as "the body of run" and
forbids it: the seed's "list and get work, run fails". Fixes: ``fixes/dispatcher_merge/``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

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
from repro.routines.models import CreateTriggerRequest, RunRequest, StrictModel, TriggerId
from repro.routines.scheduler import Clock, system_clock


class ListInput(StrictModel):
    limit: int = Field(default=100, ge=1, le=1000)


class GetInput(StrictModel):
    trigger_id: TriggerId


def list_action(request: Request, args: ListInput) -> JSONResponse:
    return list_triggers(request)


def get_action(request: Request, args: GetInput) -> JSONResponse:
    return JSONResponse(find_trigger(request, args.trigger_id).to_json())


def run_action(request: Request, args: RunRequest) -> JSONResponse:
    return run_trigger(request, request.path_params["trigger_id"], args.note)


@dataclass(frozen=True)
class Action:
    method: str
    path: str
    model: type[BaseModel]
    handler: Callable[[Request, Any], JSONResponse]


ACTIONS = {
    "list": Action("GET", TRIGGERS, ListInput, list_action),
    "get": Action("GET", TRIGGER, GetInput, get_action),
    "create": Action("POST", TRIGGERS, CreateTriggerRequest, create_trigger),
    "run": Action("POST", RUN, RunRequest, run_action),
}


def endpoint(action: Action) -> Callable[[Request], Awaitable[JSONResponse]]:
    async def dispatch(request: Request) -> JSONResponse:
        body = await read_json_object(request) if action.method == "POST" else {}
        args = {**request.path_params, **request.query_params, **body}  # the leak
        return action.handler(request, action.model.model_validate(args))

    return dispatch


def router_for(actions: Mapping[str, Action]) -> APIRouter:
    router = APIRouter()
    for name, action in actions.items():
        router.add_api_route(action.path, endpoint(action), methods=[action.method], name=name)
    return router


router = router_for(ACTIONS)


def create_app(clock: Clock = system_clock) -> FastAPI:
    return create_routines_app(router, clock=clock)


app = create_app()
