"""Leaks, masked: a strict model validated with pydantic's call-time ``extra="ignore"``.

``ReactionIn`` forbids unknown fields, but ``POST /posts/{post_id}/reactions`` validates
``{"post_id": post_id, **body}`` with ``model_validate(..., extra="ignore")`` (pydantic
>= 2.12), so the post id is silently dropped and the request answers 201.

Audit must report: ``("POST", "/posts/{post_id}/reactions", "post_id", "masked")``.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import FastAPI, Request
from pydantic import BaseModel, ConfigDict


class ReactionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    emoji: Literal["+1", "-1", "heart", "tada"] = "+1"


app = FastAPI()


@app.post("/posts/{post_id}/reactions", status_code=201)
async def react(post_id: str, request: Request) -> dict[str, Any]:
    body: dict[str, Any] = await request.json() if await request.body() else {}
    reaction = ReactionIn.model_validate({"post_id": post_id, **body}, extra="ignore")  # masked
    return {"post_id": post_id, "emoji": reaction.emoji}
