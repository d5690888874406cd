"""Correct (trap): every 4xx message names the path param and its value.

``POST /orders/{order_id}/refunds`` validates the path and ``RefundIn`` (``extra='forbid'``)
apart. Only orders ``ord_1001`` and ``ord_1002`` exist; others answer 404
``{"message": "order_id=<id>: not found"}``; the app's handlers prefix every 4xx (422s
included) the same way. A 4xx that names the param is not a leak.

Audit must report: nothing (no findings, nothing unchecked).
"""

from __future__ import annotations

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

ORDERS = {"ord_1001": 5_000, "ord_1002": 12_500}


class RefundIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    amount_cents: int = Field(ge=1)


app = FastAPI()


def named(request: Request, message: str, status: int) -> JSONResponse:
    order_id = request.path_params.get("order_id", "?")
    return JSONResponse({"message": f"order_id={order_id}: {message}"}, status_code=status)


@app.exception_handler(RequestValidationError)
async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
    msgs = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
    return named(request, msgs, 422)


@app.exception_handler(StarletteHTTPException)
async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    return named(request, exc.detail, exc.status_code)


@app.post("/orders/{order_id}/refunds", status_code=201)
def refund(order_id: str, body: RefundIn) -> dict[str, object]:
    if order_id not in ORDERS:
        raise HTTPException(status_code=404, detail="not found")
    if body.amount_cents > ORDERS[order_id]:
        raise HTTPException(status_code=422, detail="refund exceeds the order total")
    return {"order_id": order_id, "amount_cents": body.amount_cents}
