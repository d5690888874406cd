"""The seed's error envelope, for every error of every variant, plus a request id.

``{"type":"error","error":{"type":"invalid_request_error","message":"trigger_id: Extra inputs
are not permitted"}}``: compact JSON, validation errors as ``<loc>: <msg>``.

Bad input is refused in one place, before routing, for every route of every variant:
``RequestBodyMiddleware`` caps the body at ``MAX_BODY_BYTES`` (413), requires a JSON content
type for a non-empty body (415) and parses it with ``parse_json_body`` (400), the strict
parser that ``read_json_object`` uses too. So a body FastAPI parses itself (a declared body
model) and a body a variant reads raw get the same answer for the same bytes.
"""

from __future__ import annotations

import codecs
import json
import logging
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NoReturn

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger(__name__)

ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    405: "invalid_request_error",
    413: "request_too_large",
    415: "invalid_request_error",
    422: "invalid_request_error",
    429: "rate_limit_error",
}


class ApiError(Exception):
    """An error the API answers on purpose, in the envelope."""

    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message


def error_response(
    status_code: int, message: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    error_type = ERROR_TYPES.get(status_code, "api_error")
    content = {"type": "error", "error": {"type": error_type, "message": message}}
    return JSONResponse(content, status_code=status_code, headers=headers)


def validation_message(errors: Iterable[Mapping[str, Any]], *, from_fastapi: bool) -> str:
    """``<loc>: <msg>`` for each error, ``; ``-joined, as the seed shows it.

    FastAPI prefixes body locations with ``body`` and path locations with ``path``; the
    prefix is dropped so that a field reads the same whichever layer validated it. A
    pydantic error's loc is kept whole.
    """
    parts = []
    for error in errors:
        loc = [str(part) for part in error["loc"]]
        if from_fastapi and loc[:1] in (["body"], ["path"]):
            loc = loc[1:]
        parts.append(f"{'.'.join(loc)}: {error['msg']}" if loc else str(error["msg"]))
    return "; ".join(parts)


def _omitted_body_read_as_empty(
    request: Request, errors: Sequence[Mapping[str, Any]]
) -> Sequence[Mapping[str, Any]]:
    """FastAPI's errors, with "the whole body is missing" replaced by what ``{}`` lacks.

    An omitted body reads as ``{}`` in a route that reads the body itself, whose model then
    names each missing field; FastAPI answers the same request for a declared body model with
    one bare ``Field required``. Validating ``{}`` with the route's body model gives the same
    answer both ways.
    """
    whole_body = [e for e in errors if e["type"] == "missing" and tuple(e["loc"]) == ("body",)]
    body_field = getattr(request.scope.get("route"), "body_field", None)
    model = getattr(getattr(body_field, "field_info", None), "annotation", None)
    if not whole_body or not (isinstance(model, type) and issubclass(model, BaseModel)):
        return errors
    try:
        model.model_validate({})
    except ValidationError as error:
        missing = [{**e, "loc": ("body", *e["loc"])} for e in error.errors()]
        return [*[e for e in errors if e not in whole_body], *missing]
    return errors


MAX_BODY_BYTES = 64 * 1024
"""The largest request body any route accepts, in bytes; a larger one is answered 413."""

MAX_JSON_DEPTH = 64
"""The deepest nesting of arrays and objects a body may have (the API's bodies are flat)."""

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class _Rejected(ValueError):
    """Valid JSON syntax that the API still refuses; the message says why."""


def _invalid(reason: str) -> NoReturn:
    raise ApiError(400, f"body: Invalid JSON: {reason}")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _Rejected(f"duplicate key {key!r}")
            seen.add(key)
    return obj


def _no_constant(name: str) -> NoReturn:
    raise _Rejected(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise _Rejected(f"number {text[:20]} is out of range")
    return value


def _check_depth(text: str) -> None:
    """Nesting deeper than ``MAX_JSON_DEPTH``, counted before parsing (no recursion)."""
    if text.count("[") + text.count("{") <= MAX_JSON_DEPTH:
        return
    depth = 0
    for bracket in _BRACKET.finditer(_STRING.sub("", text)):
        depth += 1 if bracket.group() in "[{" else -1
        if depth > MAX_JSON_DEPTH:
            _invalid(f"nested deeper than {MAX_JSON_DEPTH} levels")


def _check_strings(value: Any) -> None:
    """No string (key or value) holds an unpaired surrogate from a ``\\ud800``-style escape."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                _invalid("a string has an unpaired surrogate escape")


def parse_json_body(raw: bytes) -> dict[str, Any] | None:
    """The JSON object in ``raw``, or None for an empty body (an omitted body).

    Stricter than ``json.loads``, which guesses UTF-16/32 and skips a byte-order mark, and
    accepts ``NaN``, ``Infinity``, ``1e400``, duplicate keys (the last wins) and unpaired
    surrogates: each of those is a 400 here, as is nesting deeper than ``MAX_JSON_DEPTH``
    and anything but an object.
    """
    if not raw:
        return None
    if raw.startswith(codecs.BOM_UTF8):
        _invalid("a UTF-8 byte order mark is not allowed")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        _invalid(f"not UTF-8 (byte {error.start})")
    _check_depth(text)
    try:
        value = json.loads(
            text,
            object_pairs_hook=_unique_keys,
            parse_constant=_no_constant,
            parse_float=_finite_float,
        )
    except _Rejected as error:
        _invalid(str(error))
    except json.JSONDecodeError as error:
        _invalid(f"{error.msg} at line {error.lineno} column {error.colno}")
    except RecursionError:
        _invalid(f"nested deeper than {MAX_JSON_DEPTH} levels")
    except ValueError:  # an integer with more digits than int() converts
        _invalid("number too large")
    if _SURROGATE_ESCAPE.search(text):
        _check_strings(value)
    if not isinstance(value, dict):
        raise ApiError(400, "body: Input should be a JSON object")
    return value


async def read_json_object(request: Request) -> dict[str, Any]:
    """The request's JSON object body; an omitted (empty) body reads as ``{}``."""
    body = parse_json_body(await request.body())
    return {} if body is None else body


def _media_type(content_type: str) -> str:
    return content_type.partition(";")[0].strip().lower()


def is_json_media_type(content_type: str) -> bool:
    """``application/json`` or ``application/*+json``, parameters (charset) aside."""
    media_type = _media_type(content_type)
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


def _refusal(headers: Headers, raw: bytes) -> ApiError | None:
    """Why a fully read body is refused, or None: content type first, then the JSON."""
    if not raw:
        return None
    content_type = headers.get("content-type")
    if content_type is None:
        return ApiError(415, "Content-Type must be application/json (none given)")
    if not is_json_media_type(content_type):
        given = _media_type(content_type)[:100]
        return ApiError(415, f"Content-Type must be application/json (got {given!r})")
    try:
        parse_json_body(raw)
    except ApiError as error:
        return error
    return None


class RequestBodyMiddleware:
    """Every request body, on every route, before routing: size, content type, strict JSON.

    A body over ``max_bytes`` is 413, whether ``content-length`` declares it or a chunked body
    only grows past it (counted per ``http.request`` message, never buffered beyond the
    limit). A non-empty body must be declared JSON (415) and be a JSON object by
    ``parse_json_body`` (400). An empty body is an omitted one. What passes is replayed to
    the app unchanged, so a rejected request never reaches a handler: it changes nothing.
    """

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        too_large = ApiError(413, f"Request body exceeds {self.max_bytes} bytes")
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(too_large, scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._refuse(too_large, scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        raw = b"".join(chunks)
        refusal = _refusal(headers, raw)
        if refusal is not None:
            await self._refuse(refusal, scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": raw, "more_body": False}

        await self.app(scope, replay, send)

    @staticmethod
    async def _refuse(error: ApiError, scope: Scope, receive: Receive, send: Send) -> None:
        await error_response(error.status_code, error.message)(scope, receive, send)


class RequestIdMiddleware:
    """Adds ``request-id: req_...`` to every response; turns a crash into an enveloped 500."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = "req_" + secrets.token_hex(12)
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", []))
                headers.append((b"request-id", request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            logger.exception("unhandled error in %s", request_id)
            if started:
                raise
            await error_response(500, "Internal server error")(scope, receive, send_with_id)


HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allowed_methods(request: Request) -> list[str]:
    """Every method some route serves at the request's path.

    Starlette's 405 names only the methods of the first route whose path matched; a path
    served by two routes (list with GET, create with POST) needs both in ``Allow``. Asked
    through the routes' own ``matches``, which sees through included routers.
    """
    routes = request.app.router.routes
    return [
        method
        for method in HTTP_METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes
        )
    ]


def install_error_envelope(app: FastAPI) -> None:
    async def on_api_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ApiError)
        return error_response(exc.status_code, exc.message)

    async def on_validation_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, (ValidationError, RequestValidationError))
        if isinstance(exc, RequestValidationError):
            errors = _omitted_body_read_as_empty(request, exc.errors())
            return error_response(400, validation_message(errors, from_fastapi=True))
        return error_response(400, validation_message(exc.errors(), from_fastapi=False))

    async def on_http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HTTPException)
        message = exc.detail if isinstance(exc.detail, str) else "Request failed"
        headers = exc.headers
        if exc.status_code == 405:
            headers = {**(headers or {}), "Allow": ", ".join(allowed_methods(request))}
        return error_response(exc.status_code, message, headers)

    app.add_exception_handler(ApiError, on_api_error)
    app.add_exception_handler(ValidationError, on_validation_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(HTTPException, on_http_error)
    # The last added is outermost: the request id wraps the body checks' answers too.
    app.add_middleware(RequestBodyMiddleware)
    app.add_middleware(RequestIdMiddleware)
