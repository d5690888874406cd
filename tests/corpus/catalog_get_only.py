"""Correct (trap): reads merge path params into models that declare them; one clean write.

The GET routes validate ``{**path_params, **query_params}`` with lookup models that declare
every path param (legitimate: those models describe the whole request). They are not write
methods. The one write, ``POST /catalog/{category}/items``, takes ``NewItem``
(``extra='forbid'``) as its body alone.

Audit must report: nothing (no findings, nothing unchecked).
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from pydantic import BaseModel, ConfigDict, Field


class CategoryLookup(BaseModel):
    model_config = ConfigDict(extra="forbid")
    category: str
    limit: int = Field(default=20, ge=1, le=100)


class ItemLookup(BaseModel):
    model_config = ConfigDict(extra="forbid")
    category: str
    sku: str


class NewItem(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sku: str = Field(pattern=r"^[A-Z0-9-]{3,20}$")
    title: str = Field(min_length=1, max_length=120)
    price_cents: int = Field(ge=0)


app = FastAPI()


@app.get("/catalog/{category}")
def list_items(request: Request) -> dict[str, object]:
    return CategoryLookup.model_validate(
        {**request.path_params, **request.query_params}
    ).model_dump()


@app.get("/catalog/{category}/items/{sku}")
def get_item(request: Request) -> dict[str, object]:
    return ItemLookup.model_validate({**request.path_params, **request.query_params}).model_dump()


@app.post("/catalog/{category}/items", status_code=201)
def create_item(category: str, item: NewItem) -> dict[str, object]:
    return {"category": category, **item.model_dump()}
