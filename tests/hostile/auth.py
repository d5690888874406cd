"""A correct app behind a bearer token: 401 to a request without ``Authorization``."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, FastAPI, Header, HTTPException
from pydantic import BaseModel, ConfigDict

TOKEN = "t0ken-for-tests"


class Rename(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = "renamed"


def bearer(authorization: Annotated[str | None, Header()] = None) -> str:
    if authorization != f"Bearer {TOKEN}":
        raise HTTPException(401, "missing or bad bearer token", {"WWW-Authenticate": "Bearer"})
    return "u_1"


app = FastAPI(dependencies=[Depends(bearer)])


@app.patch("/projects/{project_id}")
async def rename(project_id: str, body: Rename) -> dict[str, str]:
    return {"id": project_id, "name": body.name}
