"""Values paramleak generates from JSON schemas are valid for the models they came from."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated, Any, Literal
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from paramleak._schema import from_schema, minimal_object, sentinel


class Colour(Enum):
    RED = "red"
    BLUE = "blue"


class Address(BaseModel):
    model_config = ConfigDict(extra="forbid")
    street: str = Field(min_length=1, max_length=40)
    postcode: Annotated[str, Field(pattern=r"^[0-9]{5}$")]


class Order(BaseModel):
    model_config = ConfigDict(extra="forbid")
    quantity: int = Field(ge=1, le=99)
    price: float = Field(gt=0, lt=1000)
    colour: Colour = Colour.RED
    kind: Literal["retail", "wholesale"] = "retail"
    tags: list[str] = Field(default_factory=list, max_length=3)
    ship_to: Address | None = None
    note: str | None = None
    ordered_at: datetime | None = None
    reference: UUID | None = None


MODELS: list[type[BaseModel]] = [Address, Order]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
@settings(max_examples=50)
@given(data=st.data())
def test_generated_bodies_validate(model: type[BaseModel], data: st.DataObject) -> None:
    body = data.draw(from_schema(model.model_json_schema()))
    model.model_validate(body)


@pytest.mark.parametrize("field", sorted(Order.model_fields))
def test_every_optional_and_defaulted_field_is_generated(field: str) -> None:
    from hypothesis import Phase, find

    generate_only = settings(phases=[Phase.generate], database=None)
    body = find(
        from_schema(Order.model_json_schema()), lambda b: field in b, settings=generate_only
    )
    Order.model_validate(body)


def test_minimal_object_has_the_required_fields_only() -> None:
    body = minimal_object(Order.model_json_schema())
    assert body is not None
    assert set(body) == {"quantity", "price"}
    Order.model_validate(body)


@pytest.mark.parametrize(
    ("annotation", "convertor"),
    [
        (Annotated[str, Field(pattern=r"^trg_[0-9A-Za-z]{24}$")], "str"),
        (Annotated[int, Field(ge=1, le=10)], "int"),
        (Annotated[str, Field(min_length=30)], "str"),
        (Annotated[str, Field(max_length=3)], "str"),
        (UUID, "uuid"),
        (str, "path"),
    ],
    ids=["pattern", "bounded-int", "long", "short", "uuid", "path"],
)
def test_sentinels_are_valid_for_their_param(annotation: Any, convertor: str) -> None:
    adapter: TypeAdapter[Any] = TypeAdapter(annotation)
    first = sentinel(adapter.json_schema(), convertor, 0)
    second = sentinel(adapter.json_schema(), convertor, 1, avoid=frozenset({first}))
    adapter.validate_python(first)
    adapter.validate_python(second)
    if convertor == "path":
        assert "/" in first
    if convertor != "int":
        assert first != second
