"""Drift guard: the library behaviours the variants, fixes and paramleak stand on.

Each test checks one behaviour of pydantic, FastAPI or Starlette on the smallest model or app
that shows it, never through the routines service, so that a release that changes it fails
here, in one test whose message names the behaviour and the installed versions. The
docstring of each test names the files that depend on it.
"""

from __future__ import annotations

import asyncio
import json
import warnings
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

import fastapi
import httpx
import pydantic
import pydantic_core
import pytest
import starlette
from fastapi import APIRouter, Body, Depends, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, PydanticUserError, ValidationError
from pydantic.warnings import PydanticDeprecatedSince20
from starlette.routing import Match

import paramleak._observe

PYDANTIC = f"pydantic {pydantic.VERSION} (pydantic-core {pydantic_core.__version__})"
FASTAPI = f"fastapi {fastapi.__version__} (starlette {starlette.__version__})"
EXTRA_FORBIDDEN = "extra_forbidden"
EXTRA_MESSAGE = "Extra inputs are not permitted"
# pyproject.toml ignores this warning by its message, for the wrong fix's import.
CLASS_CONFIG_WARNING = "Support for class-based `config` is deprecated"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RunBody(Strict):
    note: str | None = None


class CreateBody(Strict):
    name: str


def post(app: FastAPI, path: str, body: object = None, query: str = "") -> httpx.Response:
    """One POST to ``app`` in process; ``body`` sent as JSON unless None (no body)."""

    async def send() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://drift.test") as http:
            content = None if body is None else json.dumps(body).encode()
            headers = {} if body is None else {"content-type": "application/json"}
            return await http.post(f"{path}?{query}", content=content, headers=headers)

    # A request the app never answers fails the test instead of hanging the suite.
    return asyncio.run(asyncio.wait_for(send(), timeout=10))


def errors_of(data: object, model: type[BaseModel] = RunBody, **kwargs: Any) -> list[Any]:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(data, **kwargs)
    return list(caught.value.errors())


# --- (a) pydantic's error for an unknown field ---------------------------------------------


def test_pydantic_error_type_for_an_unknown_field_is_extra_forbidden() -> None:
    """repro/probes.py, paramleak/_audit.py (``_learn_values``), tests/test_wrong_fixes.py."""
    got = [error["type"] for error in errors_of({"trigger_id": "A"})]
    assert got == [EXTRA_FORBIDDEN], f"{PYDANTIC} changed the unknown-field error type: {got!r}"


def test_pydantic_extra_forbidden_message_is_the_seeds() -> None:
    """repro/probes.py (``SEED_BODY``, ``_error_names``), repro/routines/errors.py: the seed's
    ``trigger_id: Extra inputs are not permitted`` is ``<loc>: <msg>`` of this error."""
    got = [error["msg"] for error in errors_of({"trigger_id": "A"})]
    assert got == [EXTRA_MESSAGE], f"{PYDANTIC} changed the extra_forbidden message: {got!r}"


def test_pydantic_extra_forbidden_loc_is_the_unknown_key_alone() -> None:
    """repro/routines/errors.py (``validation_message``), paramleak/_audit.py (``_kind``):
    the message's ``trigger_id:`` prefix is the error's loc."""
    got = [error["loc"] for error in errors_of({"trigger_id": "A"})]
    assert got == [("trigger_id",)], f"{PYDANTIC} changed the extra_forbidden loc: {got!r}"


# --- (b) how path params reach a body model's input ----------------------------------------


def test_fastapi_puts_path_params_in_request_path_params_as_strings() -> None:
    """repro/handler_merge.py, repro/dispatcher_merge.py, fixes/*/separate_path_model.py and
    every variant's run handler read ``request.path_params["trigger_id"]``."""
    app = FastAPI()

    @app.post("/triggers/{trigger_id}/run")
    async def run(request: Request) -> JSONResponse:
        params = request.path_params
        return JSONResponse({"params": dict(params), "types": [type(v).__name__ for v in params]})

    got = post(app, "/triggers/trg_A/run").json()
    expected = {"params": {"trigger_id": "trg_A"}, "types": ["str"]}
    assert got == expected, f"{FASTAPI} changed request.path_params: {got!r}"


def test_unpacking_path_params_then_body_puts_the_path_in_and_lets_the_body_win() -> None:
    """repro/handler_merge.py (the seed), repro/dependency_merge.py,
    fixes/handler_merge/wrong_path_as_body_field.py (the body picks the trigger) and the
    extra_ignore fixes: ``{**request.path_params, **body}``."""
    app = FastAPI()

    @app.post("/triggers/{trigger_id}/run")
    async def run(request: Request) -> JSONResponse:
        return JSONResponse({**request.path_params, **(await request.json())})

    plain = post(app, "/triggers/trg_A/run", {"note": "n"}).json()
    overridden = post(app, "/triggers/trg_A/run", {"trigger_id": "trg_B"}).json()
    got = (plain, overridden)
    expected = ({"trigger_id": "trg_A", "note": "n"}, {"trigger_id": "trg_B"})
    assert got == expected, f"{FASTAPI}: {{**request.path_params, **body}} gave {got!r}"


def test_unpacking_query_params_gives_one_string_per_key() -> None:
    """repro/dispatcher_merge.py and fixes/dispatcher_merge/separate_path_model.py merge
    ``{**request.query_params, **body}``."""
    app = FastAPI()

    @app.post("/triggers")
    async def create(request: Request) -> JSONResponse:
        return JSONResponse({**request.query_params})

    got = post(app, "/triggers", query="limit=5&limit=7&name=x").json()
    assert got == {"limit": "7", "name": "x"}, f"{FASTAPI}: {{**query_params}} gave {got!r}"


def test_fastapi_dependency_sees_the_route_path_params() -> None:
    """repro/dependency_merge.py and fixes/dependency_merge/*.py: a shared dependency builds
    the model from ``request.path_params``, so it must see the route's params."""
    app = FastAPI()

    def path_of(request: Request) -> dict[str, Any]:
        return dict(request.path_params)

    # A default, not Annotated: the dependency is local, and annotations are strings here.
    @app.post("/triggers/{trigger_id}/run")
    async def run(path: dict[str, Any] = Depends(path_of)) -> JSONResponse:  # noqa: B008
        return JSONResponse(path)

    got = post(app, "/triggers/trg_A/run").json()
    assert got == {"trigger_id": "trg_A"}, f"{FASTAPI}: a dependency saw path params {got!r}"


class _MergingRequest(Request):
    """repro/route_rewrite.py's request, smallest form: path params written into the body."""

    async def body(self) -> bytes:
        if not hasattr(self, "_merged"):
            raw = await Request(self.scope, self.receive).body()
            merged = {**(json.loads(raw) if raw else {}), **self.path_params}
            self._merged = json.dumps(merged).encode()
        return self._merged


class _MergingRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def merging(request: Request) -> Response:
            headers = [(k, v) for k, v in request.scope["headers"] if k != b"content-type"]
            scope = {**request.scope, "headers": [*headers, (b"content-type", b"application/json")]}
            return await handler(_MergingRequest(scope, request.receive))

        return merging


def test_fastapi_validates_the_body_a_custom_route_class_rewrites() -> None:
    """repro/route_rewrite.py and fixes/route_rewrite/extra_ignore.py: FastAPI takes the
    route class's handler and reads the body from the request that handler passes on."""
    app = FastAPI()
    router = APIRouter(route_class=_MergingRoute)

    @router.post("/triggers/{trigger_id}/run")
    async def run(body: Annotated[dict[str, Any], Body()]) -> JSONResponse:
        return JSONResponse(body)

    app.include_router(router)
    got = post(app, "/triggers/trg_A/run", {"note": "n"})
    assert (got.status_code, got.json()) == (200, {"note": "n", "trigger_id": "trg_A"}), (
        f"{FASTAPI}: the body a custom APIRoute rewrote reached validation as {got.text!r}"
    )


def test_fastapi_rejects_an_unknown_body_key_at_loc_body_key() -> None:
    """repro/route_rewrite.py (its 422 becomes the seed's 400) and
    repro/routines/errors.py (``validation_message`` drops the ``body`` prefix)."""
    app = FastAPI()

    @app.post("/triggers/{trigger_id}/run")
    async def run(trigger_id: str, body: RunBody) -> JSONResponse:
        return JSONResponse({})

    got = post(app, "/triggers/trg_A/run", {"trigger_id": "trg_A"})
    detail = [(e["type"], e["loc"], e["msg"]) for e in got.json().get("detail", [])]
    expected = [(EXTRA_FORBIDDEN, ["body", "trigger_id"], EXTRA_MESSAGE)]
    assert (got.status_code, detail) == (422, expected), (
        f"{FASTAPI} changed its error for an unknown body key: {got.status_code} {detail!r}"
    )


def test_fastapi_prefixes_a_path_param_error_with_path() -> None:
    """repro/routines/errors.py (``validation_message`` drops the ``path`` prefix) and
    fixes/route_rewrite/separate_path_model.py (``Path(pattern=...)``)."""
    app = FastAPI()

    @app.post("/triggers/{trigger_id}/run")
    async def run(trigger_id: Annotated[str, fastapi.Path(pattern="^trg_")]) -> JSONResponse:
        return JSONResponse({})

    got = post(app, "/triggers/nope/run")
    locs = [e["loc"] for e in got.json().get("detail", [])]
    assert (got.status_code, locs) == (422, [["path", "trigger_id"]]), (
        f"{FASTAPI} changed its loc for a path param error: {got.status_code} {locs!r}"
    )


def test_fastapi_answers_none_for_an_omitted_optional_body() -> None:
    """repro/route_rewrite.py and fixes/route_rewrite/*.py declare
    ``Annotated[RunRequest | None, Body()] = None``: an omitted body must be a valid run."""
    app = FastAPI()

    @app.post("/triggers/{trigger_id}/run")
    async def run(trigger_id: str, body: Annotated[RunBody | None, Body()] = None) -> JSONResponse:
        return JSONResponse({"body": None if body is None else body.model_dump()})

    got = post(app, "/triggers/trg_A/run")
    assert (got.status_code, got.json()) == (200, {"body": None}), (
        f"{FASTAPI} changed what an omitted optional body gives: {got.status_code} {got.text!r}"
    )


def test_pydantic_nested_config_holding_model_config_leaves_forbid_in_force() -> None:
    """fixes/handler_merge/wrong_nested_config.py (the seed page's sample): pydantic reads
    the nested class as a v1 config whose one key is ``model_config``, so the base's
    ``extra='forbid'`` stays."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PydanticDeprecatedSince20)

        class Sample(Strict):
            note: str | None = None

            class Config:
                model_config = ConfigDict(extra="ignore")

    got = Sample.model_config.get("extra")
    assert got == "forbid", f"{PYDANTIC}: the seed page's nested Config now gives extra={got!r}"


def test_pydantic_class_based_config_warns_with_the_message_pyproject_ignores() -> None:
    """fixes/handler_merge/wrong_nested_config.py: the only sign of the wrong fix, and the
    ``filterwarnings`` entry in pyproject.toml that lets its module import under ``error``."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")

        class Sample(Strict):
            class Config:
                model_config = ConfigDict(extra="ignore")

    got = [(w.category.__name__, str(w.message)) for w in caught]
    assert len(got) == 1, f"{PYDANTIC} changed the warnings of class-based config: {got!r}"
    assert issubclass(caught[0].category, PydanticDeprecatedSince20), (
        f"{PYDANTIC} changed the class-based config warning's category: {got!r}"
    )
    assert got[0][1].startswith(CLASS_CONFIG_WARNING), (
        f"{PYDANTIC} changed the class-based config warning: {got[0][1]!r}"
    )


def test_pydantic_refuses_class_config_beside_model_config_as_config_both() -> None:
    """fixes/handler_merge/wrong_nested_config.py's docstring and tests/test_wrong_fixes.py:
    the sample written beside ``model_config`` fails at class definition."""
    with pytest.raises(PydanticUserError) as caught:

        class Sample(Strict):
            model_config = ConfigDict(extra="ignore")

            class Config:
                extra = "ignore"

    got = caught.value.code
    assert got == "config-both", f"{PYDANTIC} changed the error code for both configs: {got!r}"


def test_pydantic_model_validate_takes_extra_at_call_time() -> None:
    """fixes/dependency_merge/extra_ignore.py: ``model_validate(data, extra='ignore')``
    drops the merged path value; the model itself stays strict."""
    try:
        got = RunBody.model_validate({"trigger_id": "A", "note": "n"}, extra="ignore")
    except TypeError as error:
        pytest.fail(f"{PYDANTIC}: model_validate no longer takes extra=: {error}")
    assert got == RunBody(note="n"), f"{PYDANTIC}: call-time extra='ignore' gave {got!r}"
    assert errors_of({"trigger_id": "A"}), f"{PYDANTIC}: call-time extra leaked into the model"


def test_pydantic_class_level_extra_ignore_drops_unknown_keys() -> None:
    """fixes/handler_merge/extra_ignore.py, fixes/dispatcher_merge/extra_ignore.py and
    fixes/route_rewrite/extra_ignore.py subclass the strict model with ``extra='ignore'``."""

    class Lenient(RunBody):
        model_config = ConfigDict(extra="ignore")

    got = Lenient.model_validate({"trigger_id": "A", "nte": "typo"})
    assert got.model_dump() == {"note": None}, f"{PYDANTIC}: extra='ignore' kept {got!r}"


# --- (c) what else the variants and paramleak rely on --------------------------------------


class _Spy:
    """Handlers for every validation event, each call kept."""

    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []

    def on_enter(self, input: Any, **kwargs: Any) -> None:
        self.events.append(("enter", (input, kwargs)))

    def on_success(self, result: Any) -> None:
        self.events.append(("success", result))

    def on_error(self, error: ValidationError) -> None:
        self.events.append(("error", [e["type"] for e in error.errors()]))

    def on_exception(self, exception: Exception) -> None:
        self.events.append(("exception", exception))


def test_pydantic_calls_the_entry_point_plugin_with_the_validator_protocol(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """paramleak/_observe.py: pydantic loads the plugin from the ``pydantic`` entry-point
    group and calls ``new_schema_validator(schema, schema_type, schema_type_path,
    schema_kind, config, plugin_settings)`` once per validator it builds."""
    calls: list[tuple[Any, ...]] = []
    python, json_handler = _Spy(), _Spy()

    def new_schema_validator(*args: Any) -> tuple[_Spy, _Spy, None]:
        calls.append(args)
        return python, json_handler, None

    monkeypatch.setattr(paramleak._observe.plugin, "new_schema_validator", new_schema_validator)

    class Point(BaseModel):
        x: int

    assert len(calls) == 1, f"{PYDANTIC} made {len(calls)} plugin calls for one model"
    _, schema_type, path, kind, _, _ = calls[0]
    got = (schema_type, path.module, path.name, kind)
    assert got == (Point, __name__, Point.__qualname__, "BaseModel"), (
        f"{PYDANTIC} changed the arguments of new_schema_validator: {got!r}"
    )


def test_pydantic_plugin_handlers_see_input_result_and_errors(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """paramleak/_observe.py (``_Handler``): the python handler's ``on_enter`` gets the input
    (``extra=`` among the keywords), then ``on_success`` or ``on_error``; the JSON handler's
    ``on_enter`` gets the raw JSON."""
    python, json_handler = _Spy(), _Spy()
    monkeypatch.setattr(
        paramleak._observe.plugin,
        "new_schema_validator",
        lambda *args: (python, json_handler, None),
    )

    class Point(Strict):
        x: int

    Point.model_validate({"x": 1, "y": 2}, extra="ignore")
    with pytest.raises(ValidationError):
        Point.model_validate({"x": 1, "y": 2})
    Point.model_validate_json('{"x": 3}')

    input_, kwargs = python.events[0][1]
    got = (
        input_,
        kwargs.get("extra"),
        [event for event, _ in python.events],
        python.events[1][1],
        python.events[3][1],
        json_handler.events[0][1][0],
    )
    expected = ({"x": 1, "y": 2}, "ignore", ["enter", "success", "enter", "error"], Point(x=1))
    assert got == (*expected, [EXTRA_FORBIDDEN], '{"x": 3}'), (
        f"{PYDANTIC} changed what plugin handlers are given: {got!r}"
    )


def test_fastapi_route_contexts_flatten_router_prefixes() -> None:
    """paramleak/_discover.py (``_flatten``): FastAPI >= 0.16x includes routers lazily and
    lists them flat through ``fastapi.routing.iter_route_contexts``; before, ``app.routes``
    is flat. Either way each route reads with its prefix, methods, endpoint and body."""
    from fastapi import routing

    app = FastAPI()
    router = APIRouter(prefix="/orgs/{org_id}")

    @router.post("/triggers/{trigger_id}/run")
    async def run(org_id: str, trigger_id: str, body: RunBody) -> JSONResponse:
        return JSONResponse({})

    app.include_router(router)
    iter_route_contexts = getattr(routing, "iter_route_contexts", None)
    routes: list[Any] = (
        list(app.routes) if iter_route_contexts is None else list(iter_route_contexts(app.routes))
    )
    found = [r for r in routes if getattr(r, "endpoint", None) is run]
    got = [
        (
            r.path,
            r.methods,
            sorted(f.alias for f in r.dependant.path_params),
            r.body_field.field_info.annotation,
        )
        for r in found
    ]
    path = "/orgs/{org_id}/triggers/{trigger_id}/run"
    assert got == [(path, {"POST"}, ["org_id", "trigger_id"], RunBody)], (
        f"{FASTAPI} changed how included routes are listed "
        f"(iter_route_contexts: {iter_route_contexts is not None}): {got!r}"
    )


def test_fastapi_puts_the_matched_route_and_its_body_field_in_the_scope() -> None:
    """repro/routines/errors.py (``_omitted_body_read_as_empty``) reads the route's body
    model from ``scope["route"].body_field.field_info.annotation`` when the body is missing
    (FastAPI's error: one ``missing`` at loc ``("body",)``)."""
    app = FastAPI()
    seen: list[Any] = []

    async def on_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        field = getattr(request.scope.get("route"), "body_field", None)
        seen.append(getattr(getattr(field, "field_info", None), "annotation", None))
        seen.append([(e["type"], tuple(e["loc"])) for e in exc.errors()])
        return JSONResponse({}, status_code=400)

    app.add_exception_handler(RequestValidationError, on_error)

    @app.post("/triggers")
    async def create(spec: CreateBody) -> JSONResponse:
        return JSONResponse({})

    post(app, "/triggers")
    assert seen == [CreateBody, [("missing", ("body",))]], (
        f"{FASTAPI} changed the scope's route or the omitted-body error: {seen!r}"
    )


def test_app_routes_match_through_included_routers() -> None:
    """repro/routines/errors.py (``allowed_methods``): asking each of
    ``app.router.routes`` whether it matches a path and method sees through included
    routers, so a 405 names every method served at the path."""
    app = FastAPI()
    router = APIRouter()

    @router.get("/triggers")
    async def list_() -> JSONResponse:
        return JSONResponse({})

    @router.post("/triggers")
    async def create() -> JSONResponse:
        return JSONResponse({})

    app.include_router(router)
    scope = {"type": "http", "path": "/triggers", "root_path": "", "headers": []}
    got = [
        method
        for method in ("GET", "POST", "PUT", "DELETE")
        if any(r.matches({**scope, "method": method})[0] is Match.FULL for r in app.router.routes)
    ]
    assert got == ["GET", "POST"], f"{FASTAPI}: routes matched /triggers for {got!r}"


def test_a_pydantic_error_raised_in_a_handler_reaches_its_exception_handler() -> None:
    """repro/routines/errors.py (``install_error_envelope``): the handler variants raise
    pydantic's ``ValidationError`` from ``model_validate``; the app answers it in the
    seed's envelope through an exception handler registered for that class."""
    app = FastAPI()

    async def on_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ValidationError)
        return JSONResponse([e["type"] for e in exc.errors()], status_code=400)

    app.add_exception_handler(ValidationError, on_error)

    @app.post("/triggers/{trigger_id}/run")
    async def run(request: Request) -> JSONResponse:
        RunBody.model_validate({**request.path_params})
        return JSONResponse({})

    got = post(app, "/triggers/trg_A/run")
    assert (got.status_code, got.json()) == (400, [EXTRA_FORBIDDEN]), (
        f"{FASTAPI}: a ValidationError from a handler answered {got.status_code} {got.text!r}"
    )
