"""Masking fix for ``repro/dependency_merge.py``: the shared dependency validates leniently.

The merge stays; the dependency asks pydantic (>= 2.12) to ignore extra keys at call time,
``model_validate(data, extra='ignore')``, so the path value is dropped inside validation,
and so is any misspelled field a client sends to create or run. The routes are the bug's.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from fastapi import FastAPI, Request
from pydantic import BaseModel

from repro.dependency_merge import write_routes
from repro.routines.app import create_routines_app, read_router
from repro.routines.errors import read_json_object
from repro.routines.scheduler import Clock, system_clock

M = TypeVar("M", bound=BaseModel)


def validated(model: type[M]) -> Callable[[Request], Awaitable[M]]:
    async def dependency(request: Request) -> M:
        body = await read_json_object(request)
        return model.model_validate({**request.path_params, **body}, extra="ignore")

    return dependency


router = write_routes(validated)


def create_app(clock: Clock = system_clock) -> FastAPI:
    return create_routines_app(read_router, router, clock=clock)


app = create_app()
