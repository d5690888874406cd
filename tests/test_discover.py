"""Route discovery: templates as declared, params with their types and constraints."""

from __future__ import annotations

import functools
import inspect
import linecache
from typing import Annotated, Any

from fastapi import APIRouter, Body, FastAPI, Path
from pydantic import BaseModel
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Mount, Route

from paramleak._discover import RouteInfo, discover, handler_source


class Rename(BaseModel):
    name: str


def by_label(app: object) -> dict[str, RouteInfo]:
    return {route.label: route for route in discover(app)}


def test_router_prefix_params_come_first_in_the_template() -> None:
    router = APIRouter(prefix="/projects/{project_id}")

    @router.put("/items/{item_id}")
    async def rename(project_id: str, item_id: int, body: Rename) -> None: ...

    app = FastAPI()
    app.include_router(router)
    route = by_label(app)["PUT /projects/{project_id}/items/{item_id}"]

    assert [p.name for p in route.params] == ["project_id", "item_id"]
    assert route.params[1].schema == {"type": "integer"}
    assert route.body_schema is not None
    assert route.body_schema["properties"] == {"name": {"title": "Name", "type": "string"}}


def test_path_constraints_reach_the_param_schema() -> None:
    app = FastAPI()

    @app.post("/orders/{order_id}/refund")
    async def refund(order_id: Annotated[int, Path(ge=1, le=10**9)]) -> None: ...

    (param,) = by_label(app)["POST /orders/{order_id}/refund"].params
    assert param.schema == {"type": "integer", "minimum": 1, "maximum": 10**9}


def test_path_convertor_is_kept() -> None:
    app = FastAPI()

    @app.post("/files/{file_path:path}")
    async def touch(file_path: str) -> None: ...

    (param,) = by_label(app)["POST /files/{file_path:path}"].params
    assert (param.name, param.convertor) == ("file_path", "path")


def test_mounted_sub_app_routes_carry_the_mount_path_and_its_params() -> None:
    sub = FastAPI()

    @sub.post("/runs/{run_id}")
    async def run(request: Request) -> None: ...

    app = FastAPI()
    app.mount("/tenants/{tenant}", sub)
    route = by_label(app)["POST /tenants/{tenant}/runs/{run_id}"]

    assert [p.name for p in route.params] == ["tenant", "run_id"]
    assert route.body_schema is None  # the handler reads the raw request


def test_plain_starlette_routes_are_found_with_convertor_types() -> None:
    async def endpoint(request: Request) -> PlainTextResponse:
        return PlainTextResponse("ok")

    app = Starlette(
        routes=[Mount("/v2", routes=[Route("/jobs/{job_id:int}", endpoint, methods=["POST"])])]
    )
    (param,) = by_label(app)["POST /v2/jobs/{job_id:int}"].params
    assert (param.convertor, param.schema) == ("int", {"type": "integer", "minimum": 0})


def test_optional_and_embedded_bodies_have_a_schema() -> None:
    app = FastAPI()

    @app.patch("/a/{a_id}")
    async def optional(a_id: str, body: Rename | None = None) -> None: ...

    @app.patch("/b/{b_id}")
    async def embedded(b_id: str, rename: Annotated[Rename, Body(embed=True)]) -> None: ...

    routes = by_label(app)
    assert routes["PATCH /a/{a_id}"].body_schema is not None
    embedded_schema = routes["PATCH /b/{b_id}"].body_schema
    assert embedded_schema is not None
    assert "rename" in str(embedded_schema)


def test_every_method_of_a_route_is_its_own_entry_in_a_stable_order() -> None:
    app = FastAPI()

    @app.api_route("/x/{x_id}", methods=["PUT", "DELETE"])
    async def both(x_id: str) -> None: ...

    labels = [route.label for route in discover(app) if route.params]
    assert labels == ["DELETE /x/{x_id}", "PUT /x/{x_id}"]


def _handler_factory(n: int) -> Any:
    async def handle(item_id: str) -> dict[str, int]:
        return {"n": n}

    return handle


def _logged(fn: Any) -> Any:
    @functools.wraps(fn)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        return await fn(*args, **kwargs)

    return wrapper


@_logged
async def decorated(item_id: str) -> None: ...


def test_handler_source_is_the_handlers_first_line_the_same_as_inspect_gives() -> None:
    for handler in (decorated, _handler_factory(1), by_label):
        target = inspect.unwrap(handler)
        expected = (inspect.getsourcefile(target), inspect.getsourcelines(target)[1])
        assert handler_source(handler) == expected
    assert handler_source(decorated)[0] == __file__


def test_handlers_from_one_factory_share_one_location() -> None:
    first, second = _handler_factory(1), _handler_factory(2)
    assert first is not second
    assert handler_source(first) == handler_source(second)
    assert handler_source(first)[1] == _handler_factory.__code__.co_firstlineno + 1


def test_handler_source_without_python_source_is_none() -> None:
    assert handler_source(len) == (None, None)
    assert handler_source(functools.partial(len)) == (None, None)
    exec_scope: dict[str, Any] = {}
    exec("async def made(item_id: str) -> None: ...", exec_scope)
    assert handler_source(exec_scope["made"]) == (None, None)


def test_handler_source_of_code_from_a_string_is_none_even_when_linecache_has_text() -> None:
    # Python 3.13 caches the text of exec'd strings; every one is "<string>", so the text may
    # be another string's, and there is no file to point at. The same, on every version:
    name = "<paramleak-test-handler>"
    text = "async def made(item_id: str) -> None: ...\n"
    linecache.cache[name] = (len(text), None, [text], name)
    try:
        exec_scope: dict[str, Any] = {}
        exec(compile(text, name, "exec"), exec_scope)
        assert inspect.findsource(exec_scope["made"])[1] == 0  # inspect does find text
        assert handler_source(exec_scope["made"]) == (None, None)
    finally:
        del linecache.cache[name]
