"""Correct (trap): the client must send the path's id in the body, checked for equality.

``PUT /users/{user_id}`` takes ``UserReplace`` (``extra='forbid'``), which declares
``user_id`` on purpose: the API contract is "the body names the user it replaces", and a
body id that differs from the path's answers 409. The handler never merges path params:
a ``user_id`` key in body validation comes from the client, not from the URL.

Audit must report: nothing (no findings, nothing unchecked).
"""

from __future__ import annotations

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, ConfigDict, Field


class UserReplace(BaseModel):
    model_config = ConfigDict(extra="forbid")
    user_id: str = Field(min_length=1, max_length=64)
    display_name: str = Field(min_length=1, max_length=80)
    admin: bool = False


app = FastAPI()


@app.get("/users/{user_id}")
def get_user(user_id: str) -> dict[str, str]:
    return {"user_id": user_id}


@app.put("/users/{user_id}")
def replace_user(user_id: str, body: UserReplace) -> dict[str, object]:
    if body.user_id != user_id:
        raise HTTPException(status_code=409, detail="user_id in the body differs from the path")
    return body.model_dump()
