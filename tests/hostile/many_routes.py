"""A factory for an app with thousands of write routes, each with a path param.

Route ``i`` is ``POST /g{i // GROUP}/r{i}/items/{item_id}``, in routers of ``GROUP`` routes
mounted side by side; every even one merges the path into its body model (a leak), every
odd one validates the body alone (with ``leaks=False``, every one does). ``leaking(count)``
lists the leaking routes' templates.

Mounted, because FastAPI matches a request against its routes one by one: in one flat app
of 2 000 routes the app's own routing costs some milliseconds per request, several times
what the audit costs, and the audit sends a few requests per route.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, ValidationError

COUNT = 2000
GROUP = 100

Handler = Callable[[Request], Awaitable[JSONResponse]]


class ItemBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str | None = None


def template(i: int) -> str:
    return f"/g{i // GROUP}/r{i}/items/{{item_id}}"


def leaking(count: int = COUNT) -> list[str]:
    return [template(i) for i in range(0, count, 2)]


def _handler(merge: bool) -> Handler:
    async def handle(request: Request) -> JSONResponse:
        raw = await request.body()
        body: Any = await request.json() if raw else {}
        data = {**request.path_params, **body} if merge else body
        try:
            ItemBody.model_validate(data)
        except ValidationError as error:
            return JSONResponse({"detail": error.errors(include_url=False)}, status_code=400)
        return JSONResponse({"ok": True})

    return handle


def create_app(count: int = COUNT, *, leaks: bool = True) -> FastAPI:
    """``count`` routes; with ``leaks=False`` none merges (a correct app of the same size)."""
    app = FastAPI()
    merging, separate = _handler(merge=leaks), _handler(merge=False)
    for first in range(0, count, GROUP):
        group = APIRouter()
        for i in range(first, min(first + GROUP, count)):
            path = template(i).removeprefix(f"/g{i // GROUP}")
            handler = merging if i % 2 == 0 else separate
            group.add_api_route(path, handler, methods=["POST"], name=f"item_{i}")
        app.mount(f"/g{first // GROUP}", group)
    return app
