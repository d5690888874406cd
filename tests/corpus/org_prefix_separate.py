"""Correct (trap): prefix and route params validated by a path model of their own.

The router's prefix carries ``{org_id}``; ``POST .../members/{member_id}/roles`` validates
``MemberRef`` from the two path params alone (a strict model that does receive the path
values, but no body) and ``RoleGrant`` from the body alone, both ``extra='forbid'``.

Audit must report: nothing (no findings, nothing unchecked).
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, FastAPI
from pydantic import BaseModel, ConfigDict, Field


class MemberRef(BaseModel):
    model_config = ConfigDict(extra="forbid")
    org_id: str = Field(min_length=1)
    member_id: str = Field(min_length=1)


class RoleGrant(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Literal["viewer", "editor", "admin"]
    expires_in_days: int | None = Field(default=None, ge=1, le=365)


router = APIRouter(prefix="/orgs/{org_id}")


@router.post("/members/{member_id}/roles", status_code=201)
def grant_role(org_id: str, member_id: str, grant: RoleGrant) -> dict[str, object]:
    ref = MemberRef.model_validate({"org_id": org_id, "member_id": member_id})
    return {**ref.model_dump(), **grant.model_dump()}


app = FastAPI()
app.include_router(router)
