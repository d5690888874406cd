"""Leaks, masked: the profile model ignores extra keys, so the merged user id is dropped.

``PATCH /users/{user_id}/profile`` validates ``{**request.path_params, **body}`` with
``ProfilePatch``, whose ``extra='ignore'`` was the "fix" for an earlier 400. Requests succeed,
but ``user_id`` still reaches body validation, and a client's typo (``{"bi": ...}``) is
dropped without a word.

Audit must report: ``("PATCH", "/users/{user_id}/profile", "user_id", "masked")``.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from pydantic import BaseModel, ConfigDict, Field


class ProfilePatch(BaseModel):
    model_config = ConfigDict(extra="ignore")
    display_name: str | None = Field(default=None, max_length=80)
    bio: str | None = Field(default=None, max_length=500)


app = FastAPI()


@app.get("/users/{user_id}/profile")
def get_profile(user_id: str) -> dict[str, str]:
    return {"user_id": user_id}


@app.patch("/users/{user_id}/profile")
async def patch_profile(request: Request) -> dict[str, Any]:
    body: dict[str, Any] = await request.json() if await request.body() else {}
    patch = ProfilePatch.model_validate({**request.path_params, **body})  # masked leak
    return {"user_id": request.path_params["user_id"], **patch.model_dump(exclude_unset=True)}
