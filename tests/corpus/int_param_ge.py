"""Leaks: an ``int`` path param (``Path(ge=1)``), already converted, merged into a strict model.

``POST /accounts/{account_id}/limits`` declares ``account_id: Annotated[int, Path(ge=1)]``
and validates ``{"account_id": account_id, **body}`` with ``LimitChange``. What reaches
validation is the int, not the URL's string. No handler catches the ``ValidationError``, so
every valid change answers a bare 500 ``Internal Server Error``.

Audit must report: ``("POST", "/accounts/{account_id}/limits", "account_id", "rejected")``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import FastAPI, Path, Request
from pydantic import BaseModel, ConfigDict, Field


class LimitChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    daily_limit_cents: int = Field(default=50_000, ge=0, le=10_000_000)
    reason: str | None = Field(default=None, max_length=200)


app = FastAPI()


@app.post("/accounts/{account_id}/limits")
async def change_limit(account_id: Annotated[int, Path(ge=1)], request: Request) -> dict[str, Any]:
    body: dict[str, Any] = await request.json() if await request.body() else {}
    change = LimitChange.model_validate({"account_id": account_id, **body})  # the leak
    return {"account_id": account_id, **change.model_dump()}
