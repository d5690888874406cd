"""Masking fix for ``repro/dispatcher_merge.py``: the run action's model ignores extra keys.

The dispatcher still merges path, query and body; run's model now drops what it does not
declare: the path's ``trigger_id``, and a client's misspelled field alike.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from pydantic import ConfigDict

from repro.dispatcher_merge import ACTIONS, Action, endpoint, run_action
from repro.routines.app import create_routines_app
from repro.routines.models import RunRequest
from repro.routines.scheduler import Clock, system_clock


class LenientRunRequest(RunRequest):
    model_config = ConfigDict(extra="ignore")


LENIENT_ACTIONS = {
    **ACTIONS,
    "run": Action("POST", ACTIONS["run"].path, LenientRunRequest, run_action),
}

router = APIRouter()
for name, action in LENIENT_ACTIONS.items():
    router.add_api_route(action.path, endpoint(action), methods=[action.method], name=name)


def create_app(clock: Clock = system_clock) -> FastAPI:
    return create_routines_app(router, clock=clock)


app = create_app()
