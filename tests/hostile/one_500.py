"""An app where one route answers 500 (without raising), one leaks and one is correct."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, ValidationError


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str | None = None


app = FastAPI()


async def _body(request: Request) -> Any:
    raw = await request.body()
    return await request.json() if raw else {}


@app.post("/orders/{order_id}/ship")
async def ship(order_id: str, body: Body | None = None) -> JSONResponse:
    return JSONResponse({"error": "warehouse unavailable"}, status_code=500)


@app.post("/orders/{order_id}/pay")
async def pay(request: Request) -> JSONResponse:
    try:
        Body.model_validate({**request.path_params, **await _body(request)})
    except ValidationError as error:
        return JSONResponse({"detail": error.errors(include_url=False)}, status_code=400)
    return JSONResponse({"paid": True})


@app.post("/orders/{order_id}/cancel")
async def cancel(order_id: str, body: Body | None = None) -> dict[str, str]:
    return {"cancelled": order_id}
