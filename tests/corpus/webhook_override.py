"""Leaks, override: the hook id is a body field too, and the body wins the merge.

``WebhookConfig`` declares ``hook_id`` so the merged path value is no longer "extra"; the
handler validates ``{"hook_id": hook_id, **body}`` and saves under ``config.hook_id``. Plain
requests work, but ``PUT /webhooks/wh_a`` with ``{"hook_id": "wh_b"}`` rewrites hook
``wh_b``: mass assignment (OWASP API3:2023, CWE-915).

Audit must report: ``("PUT", "/webhooks/{hook_id}", "hook_id", "masked")`` (the path value
reaches the body model and is kept) and ``("PUT", "/webhooks/{hook_id}", "hook_id",
"override")`` (a body value replaces it).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from pydantic import BaseModel, ConfigDict, Field


class WebhookConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    hook_id: str = Field(min_length=1, max_length=64)
    url: str = Field(default="https://hooks.example.invalid/in", pattern=r"^https://")
    active: bool = True


app = FastAPI()
hooks: dict[str, WebhookConfig] = {}


@app.put("/webhooks/{hook_id}")
async def put_webhook(hook_id: str, request: Request) -> dict[str, Any]:
    body: dict[str, Any] = await request.json() if await request.body() else {}
    config = WebhookConfig.model_validate({"hook_id": hook_id, **body})  # body wins
    hooks[config.hook_id] = config
    return config.model_dump()
