"""Masking fix for ``repro/dispatcher_merge.py``: the run action's model ignores extra keys.

The dispatcher still merges path, query and body; run's model now drops what it does not
declare: the path's ``trigger_id``, and a client's misspelled field alike.
"""

from __future__ import annotations

from dataclasses import replace

from fastapi import FastAPI
from pydantic import ConfigDict

from repro.dispatcher_merge import ACTIONS, router_for
from repro.routines.app import create_routines_app
from repro.routines.models import RunRequest
from repro.routines.scheduler import Clock, system_clock


class LenientRunRequest(RunRequest):
    model_config = ConfigDict(extra="ignore")


LENIENT_ACTIONS = {**ACTIONS, "run": replace(ACTIONS["run"], model=LenientRunRequest)}

router = router_for(LENIENT_ACTIONS)


def create_app(clock: Clock = system_clock) -> FastAPI:
    return create_routines_app(router, clock=clock)


app = create_app()
