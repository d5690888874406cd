"""Discovery: every route of an app, its path params with their JSON schemas, its body."""

from __future__ import annotations

import functools
import inspect
import re
import types
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import TypeAdapter
from starlette.routing import BaseRoute, Mount, Route
from starlette.routing import Host as HostRoute

_PARAM = re.compile(r"{([a-zA-Z_][a-zA-Z0-9_]*)(?::([a-zA-Z_][a-zA-Z0-9_]*))?}")
# Methods whose requests carry a body; the others have nothing to merge into a body model.
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
_CONVERTOR_SCHEMAS: dict[str, dict[str, Any]] = {
    "str": {"type": "string", "minLength": 1},  # and no "/": values are drawn without it
    "path": {"type": "string", "minLength": 1},
    "int": {"type": "integer", "minimum": 0},
    "float": {"type": "number", "minimum": 0},
    "uuid": {"type": "string", "format": "uuid"},
}


@dataclass(frozen=True)
class PathParam:
    name: str
    convertor: str
    schema: dict[str, Any]


@dataclass(frozen=True)
class RouteInfo:
    """One method of one route, as the app declares it."""

    method: str
    template: str
    params: tuple[PathParam, ...]
    body_schema: dict[str, Any] | None
    body_adapter: TypeAdapter[Any] | None
    endpoint: Any
    # The type FastAPI validates the handler's return value with, if it does: its input
    # holds path values on purpose and is never a body validator.
    response_type: Any = None

    @property
    def label(self) -> str:
        return f"{self.method} {self.template}"

    def url(self, values: dict[str, str]) -> str:
        """The template with each param replaced by its already-encoded value."""
        return _PARAM.sub(lambda m: values[m.group(1)], self.template)


def discover(app: Any) -> list[RouteInfo]:
    """Every route of ``app`` (FastAPI, or Starlette at best effort), mounts included."""
    return sorted(_walk(getattr(app, "routes", []), ""), key=lambda r: (r.template, r.method))


def _walk(routes: Iterable[BaseRoute], prefix: str) -> Iterator[RouteInfo]:
    for route in _flatten(routes):
        original = getattr(route, "original_route", route)
        if isinstance(original, Mount):
            yield from _walk(original.routes, prefix + route.path)
        elif isinstance(original, HostRoute):
            yield from _walk(original.routes, prefix)
        elif isinstance(original, Route) or hasattr(original, "methods"):
            yield from _route_infos(route, prefix)


def _flatten(routes: Iterable[BaseRoute]) -> Iterable[Any]:
    """Routes with router prefixes applied. FastAPI >= 0.16x includes routers lazily and
    exposes the flattened view as ``iter_route_contexts``; before, ``app.routes`` is flat."""
    from fastapi import routing

    iter_route_contexts = getattr(routing, "iter_route_contexts", None)
    if iter_route_contexts is None:
        return routes
    contexts: Iterable[Any] = iter_route_contexts(list(routes))
    return contexts


def _route_infos(route: Any, prefix: str) -> Iterator[RouteInfo]:
    template = prefix + route.path
    declared = _declared_path_params(route)
    params = tuple(
        PathParam(
            name=name,
            convertor=convertor or "str",
            schema=declared.get(name) or _CONVERTOR_SCHEMAS.get(convertor or "str", {}),
        )
        for name, convertor in _PARAM.findall(template)
    )
    body_schema, body_adapter = _body(route)
    response_field = getattr(route, "response_field", None)
    response_type = getattr(getattr(response_field, "_type_adapter", None), "_type", None)
    for method in sorted(getattr(route, "methods", None) or ()):
        yield RouteInfo(
            method, template, params, body_schema, body_adapter, route.endpoint, response_type
        )


def _declared_path_params(route: Any) -> dict[str, dict[str, Any]]:
    """JSON schemas of the path params a FastAPI route declares, with their constraints."""
    dependant = getattr(route, "dependant", None)
    schemas: dict[str, dict[str, Any]] = {}
    stack = [dependant] if dependant is not None else []
    while stack:
        current = stack.pop()
        for field in current.path_params:
            schemas[field.alias] = _field_schema(field.field_info)
        stack.extend(current.dependencies)
    return schemas


def _adapter(field_info: Any) -> TypeAdapter[Any]:
    """A type adapter for a FastAPI field: its annotation with its constraints."""
    if not field_info.metadata:
        return TypeAdapter(field_info.annotation)
    annotated: Any = Annotated[(field_info.annotation, *field_info.metadata)]
    return TypeAdapter(annotated)


def _field_schema(field_info: Any) -> dict[str, Any]:
    return _adapter(field_info).json_schema()


def _body(route: Any) -> tuple[dict[str, Any] | None, TypeAdapter[Any] | None]:
    body_field = getattr(route, "body_field", None)
    if body_field is None:
        return None, None
    adapter = _adapter(body_field.field_info)
    return adapter.json_schema(), adapter


def handler_source(endpoint: Any) -> tuple[str | None, int | None]:
    """Where a route's handler is defined: its file and first line (1-based), or Nones.

    Found from the code object, which handlers made by one factory share, and without
    tokenizing the handler's body (``inspect.findsource``, not ``getsourcelines``): an app
    with a thousand such routes costs one look-up.
    """
    try:
        target = inspect.unwrap(endpoint)
    except ValueError:  # a cycle of __wrapped__
        return None, None
    code = getattr(target, "__code__", None)
    if isinstance(code, types.CodeType):
        return _code_source(code)
    return _find_source(target)


@functools.lru_cache(maxsize=4096)
def _code_source(code: types.CodeType) -> tuple[str | None, int | None]:
    return _find_source(code)


def _find_source(target: Any) -> tuple[str | None, int | None]:
    try:
        path = inspect.getsourcefile(target)
        line = inspect.findsource(target)[1] + 1
    except (TypeError, OSError):
        return None, None
    if path is None or (path.startswith("<") and path.endswith(">")):
        # Code compiled from a string ("<string>", "<stdin>"): no file to point at, and every
        # exec'd string shares the name, so Python 3.13's cached text may be another's.
        return None, None
    return path, line
