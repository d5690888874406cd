"""The code shapes that merge path params into a strict model's input, each in a small app.

``docs/reviewing.md`` teaches a reviewer to spot these in a diff. Every shape rejects a valid
request with ``extra_forbidden`` and is found by ``paramleak.audit``; which side of the merge
wins decides whether declaring the param in the model (the mass-assignment wrong fix) lets
the body pick the object.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, ValidationError

import paramleak

RUN = "/triggers/{trigger_id}/run"
Merge = Callable[[type[BaseModel], Mapping[str, Any], dict[str, Any]], BaseModel]


class RunRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str | None = None


class RunWithTrigger(RunRequest):
    """The mass-assignment wrong fix: the path param declared in the body model."""

    trigger_id: str


class RunService:
    """A service layer that takes whatever the route hands it as keywords."""

    def __init__(self, model: type[BaseModel]) -> None:
        self.model = model

    def run(self, **kwargs: Any) -> BaseModel:
        return self.model.model_validate(kwargs)


def _update(model: type[BaseModel], path: Mapping[str, Any], body: dict[str, Any]) -> BaseModel:
    data = dict(body)
    data.update(path)
    return model.model_validate(data)


SHAPES: dict[str, Merge] = {
    "path_then_body_unpacked": lambda m, path, body: m.model_validate({**path, **body}),
    "body_then_path_unpacked": lambda m, path, body: m.model_validate({**body, **path}),
    "dict_union": lambda m, path, body: m.model_validate(body | dict(path)),
    "keyword_arguments": lambda m, path, body: m(**path, **body),
    "dict_update": _update,
    "service_kwargs": lambda m, path, body: RunService(m).run(**path, **body),
}


def create_app(merge: Merge, model: type[BaseModel] = RunRequest) -> FastAPI:
    app = FastAPI()

    @app.post(RUN)
    async def run(request: Request) -> JSONResponse:
        body = await request.json() if await request.body() else {}
        try:
            validated = merge(model, request.path_params, body)
        except ValidationError as error:
            errors = [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors()]
            return JSONResponse({"errors": errors}, status_code=400)
        ran = getattr(validated, "trigger_id", request.path_params["trigger_id"])
        return JSONResponse({"ran": ran})

    return app


def post(app: FastAPI, path: str, body: object) -> httpx.Response:
    async def send() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://shapes.test") as http:
            return await http.post(path, json=body)

    return asyncio.run(send())


@pytest.mark.parametrize("shape", SHAPES)
def test_every_merge_shape_rejects_a_valid_run_naming_the_path_param(shape: str) -> None:
    response = post(create_app(SHAPES[shape]), "/triggers/trg_A/run", {})

    assert response.status_code == 400
    assert response.json() == {"errors": ["trigger_id: Extra inputs are not permitted"]}


@pytest.mark.parametrize("shape", SHAPES)
def test_audit_finds_every_merge_shape(shape: str) -> None:
    report = paramleak.audit(create_app(SHAPES[shape]), max_examples=0)

    found = {(f.method, f.route, f.param, f.kind) for f in report.findings}
    assert found == {("POST", RUN, "trigger_id", "rejected")}


def test_path_then_body_lets_a_declared_param_be_picked_by_the_body() -> None:
    app = create_app(SHAPES["path_then_body_unpacked"], RunWithTrigger)

    response = post(app, "/triggers/trg_A/run", {"trigger_id": "trg_B"})

    assert response.json() == {"ran": "trg_B"}


@pytest.mark.parametrize("shape", ["body_then_path_unpacked", "dict_union", "dict_update"])
def test_body_then_path_keeps_the_path_value_of_a_declared_param(shape: str) -> None:
    app = create_app(SHAPES[shape], RunWithTrigger)

    response = post(app, "/triggers/trg_A/run", {"trigger_id": "trg_B"})

    assert response.json() == {"ran": "trg_A"}


@pytest.mark.parametrize("shape", ["keyword_arguments", "service_kwargs"])
def test_keyword_merge_raises_type_error_when_the_body_names_the_param(shape: str) -> None:
    """``f(**path, **body)`` with the same key on both sides is a ``TypeError`` before any
    model sees it: a 500, not a validation error."""
    with pytest.raises(TypeError, match="multiple values for keyword argument 'trigger_id'"):
        SHAPES[shape](RunWithTrigger, {"trigger_id": "trg_A"}, {"trigger_id": "trg_B"})
