"""Leaks: a service class merges the order id into its strict command model.

``PATCH /orders/{order_id}`` validates its body correctly (``OrderPatch``), then hands
``order_id`` and the body dict to ``OrderService.update``, which builds its own command as
``UpdateOrder(**{"order_id": order_id, **payload})``. ``UpdateOrder`` forbids unknown fields
and does not declare ``order_id``, so every valid update answers 400 in this app's
``{"errors": [{"field": ..., "message": ...}]}`` format.

Audit must report: ``("PATCH", "/orders/{order_id}", "order_id", "rejected")``.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError


class OrderPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    quantity: int = Field(ge=1, le=1000)
    note: str | None = Field(default=None, max_length=200)


class UpdateOrder(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    quantity: int
    note: str | None = None


class OrderService:
    def __init__(self) -> None:
        self.orders: dict[str, UpdateOrder] = {}

    def update(self, order_id: str, payload: dict[str, Any]) -> UpdateOrder:
        command = UpdateOrder(**{"order_id": order_id, **payload})  # the leak
        self.orders[order_id] = command
        return command


app = FastAPI()
service = OrderService()


@app.exception_handler(ValidationError)
async def validation_failed(request: Request, exc: ValidationError) -> JSONResponse:
    errors = [{"field": ".".join(map(str, e["loc"])), "message": e["msg"]} for e in exc.errors()]
    return JSONResponse({"errors": errors}, status_code=400)


@app.patch("/orders/{order_id}")
def patch_order(order_id: str, body: OrderPatch) -> dict[str, Any]:
    updated = service.update(order_id, body.model_dump(exclude_unset=True))
    return {"order_id": order_id, **updated.model_dump()}
