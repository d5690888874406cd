"""An app with nothing to audit: reads with path params, writes without them."""

from __future__ import annotations

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict


class NewItem(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str


app = FastAPI()


@app.get("/items/{item_id}")
async def get_item(item_id: str) -> dict[str, str]:
    return {"id": item_id}


@app.post("/items")
async def create_item(body: NewItem) -> dict[str, str]:
    return {"name": body.name}
