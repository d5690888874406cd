"""Bug: a custom ``APIRoute`` class copies path params into the JSON body below the handler.

The handler declares its body model the FastAPI way, but the route class rewrites the body
first ("so handlers see everything in one place"). FastAPI then validates
``{**body, **path_params}`` against ``RunRequest`` and rejects ``trigger_id`` itself (its own
422, loc ``["body", "trigger_id"]``, which the service's envelope answers as the seed's 400).
Fixes: ``fixes/route_rewrite/``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Body, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from repro.routines.app import RUN, create_router, create_routines_app, read_router, run_trigger
from repro.routines.errors import read_json_object
from repro.routines.models import RunRequest
from repro.routines.scheduler import Clock, system_clock


class PathInBodyRequest(Request):
    """A request whose body is the JSON body with the path params written into it."""

    async def body(self) -> bytes:
        if not hasattr(self, "_merged_body"):
            body = await read_json_object(Request(self.scope, self.receive))
            merged = {**body, **self.path_params}  # the leak
            self._merged_body = json.dumps(merged).encode()
        return self._merged_body


class PathInBodyRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def rewriting_handler(request: Request) -> Response:
            headers = [(k, v) for k, v in request.scope["headers"] if k != b"content-type"]
            headers.append((b"content-type", b"application/json"))
            scope = {**request.scope, "headers": headers}
            return await handler(PathInBodyRequest(scope, request.receive))

        return rewriting_handler


router = APIRouter(route_class=PathInBodyRoute)


@router.post(RUN)
async def run_route(
    request: Request, trigger_id: str, run: Annotated[RunRequest | None, Body()] = None
) -> JSONResponse:
    return run_trigger(request, trigger_id, run.note if run else None)


def create_app(clock: Clock = system_clock) -> FastAPI:
    return create_routines_app(read_router, create_router, router, clock=clock)


app = create_app()
