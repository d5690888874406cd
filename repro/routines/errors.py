"""The seed's error envelope, for every error of every variant, plus a request id.

``{"type":"error","error":{"type":"invalid_request_error","message":"trigger_id: Extra inputs
are not permitted"}}``: compact JSON, validation errors as ``<loc>: <msg>``.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Iterable, Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException
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

    FastAPI prefixes body locations with ``body``; that prefix is dropped so that a field
    reads the same whichever layer validated it. A pydantic error's loc is kept whole.
    """
    parts = []
    for error in errors:
        loc = [str(part) for part in error["loc"]]
        if from_fastapi and loc[:1] == ["body"]:
            loc = loc[1:]
        parts.append(f"{'.'.join(loc)}: {error['msg']}" if loc else str(error["msg"]))
    return "; ".join(parts)


async def read_json_object(request: Request) -> dict[str, Any]:
    """The request's JSON object body; an omitted body reads as ``{}``."""
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        raise ApiError(400, "body: Invalid JSON") from None
    if not isinstance(body, dict):
        raise ApiError(400, "body: Input should be a JSON object")
    return body


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


def install_error_envelope(app: FastAPI) -> None:
    async def on_api_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ApiError)
        return error_response(exc.status_code, exc.message)

    async def on_validation_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, (ValidationError, RequestValidationError))
        from_fastapi = isinstance(exc, RequestValidationError)
        return error_response(400, validation_message(exc.errors(), from_fastapi=from_fastapi))

    async def on_http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HTTPException)
        message = exc.detail if isinstance(exc.detail, str) else "Request failed"
        return error_response(exc.status_code, message, exc.headers)

    app.add_exception_handler(ApiError, on_api_error)
    app.add_exception_handler(ValidationError, on_validation_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(HTTPException, on_http_error)
    app.add_middleware(RequestIdMiddleware)
