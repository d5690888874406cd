"""Leaks: a command model's ``from_request`` merges every path param, prefix ones included.

The router carries a param in its prefix (``/projects/{project_id}``) and is included under
``/api``. ``PUT .../items/{item_id}`` builds ``ItemCommand.from_request(request)``, which
validates ``{**request.path_params, **body}``: both ``project_id`` and ``item_id`` are unknown
to the strict model, so every valid PUT answers a plain-text 400 naming both. ``DELETE`` on
the same route reads its params the FastAPI way and works.

Audit must report, for ``/api/projects/{project_id}/items/{item_id}``:
``("PUT", ..., "project_id", "rejected")`` and ``("PUT", ..., "item_id", "rejected")``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError


class ItemCommand(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, max_length=80)
    quantity: int = Field(default=1, ge=0)

    @classmethod
    async def from_request(cls, request: Request) -> ItemCommand:
        body: dict[str, Any] = await request.json() if await request.body() else {}
        return cls.model_validate({**request.path_params, **body})  # the leak


router = APIRouter(prefix="/projects/{project_id}")


@router.put("/items/{item_id}")
async def put_item(request: Request) -> dict[str, Any]:
    command = await ItemCommand.from_request(request)
    return {"item_id": request.path_params["item_id"], **command.model_dump()}


@router.delete("/items/{item_id}", status_code=204)
def delete_item(project_id: str, item_id: str) -> Response:
    return Response(status_code=204)


app = FastAPI()
app.include_router(router, prefix="/api")


@app.exception_handler(ValidationError)
async def as_text(request: Request, exc: ValidationError) -> PlainTextResponse:
    lines = [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
    return PlainTextResponse("invalid request\n" + "\n".join(lines), status_code=400)
