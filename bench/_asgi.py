"""The baseline: the app called as a bare ASGI callable, and a request counter."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Sequence
from typing import Any
from urllib.parse import unquote

Message = dict[str, Any]

HOST = "bench.test"


class RawASGI:
    """``await app(scope, receive, send)`` with a prepared scope, on one event loop.

    The least any in-process client can spend on a request: no client, no transport, no
    thread hop; what remains is the app's own work (routing, validation, the response).
    """

    def __init__(
        self,
        app: Any,
        method: str,
        path: str,
        body: bytes | None,
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        self.app = app
        self.loop = loop
        path, _, query = path.partition("?")  # as on the wire: percent-encoded, a query
        headers = [(b"host", HOST.encode())]
        if body is not None:
            headers += [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ]
        self.scope: dict[str, Any] = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": unquote(path),
            "raw_path": path.encode("latin-1"),
            "query_string": query.encode("latin-1"),
            "root_path": "",
            "headers": headers,
            "client": ("127.0.0.1", 50000),
            "server": (HOST, 80),
        }
        self.request: Message = {"type": "http.request", "body": body or b"", "more_body": False}

    async def call(self) -> tuple[int, bytes]:
        """One request; its status and body."""
        sent: list[Message] = []
        delivered = False

        async def receive() -> Message:
            nonlocal delivered
            if delivered:
                return {"type": "http.disconnect"}
            delivered = True
            return self.request

        async def send(message: Message) -> None:
            sent.append(message)

        await self.app(dict(self.scope), receive, send)
        status = next(m["status"] for m in sent if m["type"] == "http.response.start")
        body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
        return status, body

    def answer(self) -> tuple[int, Any]:
        status, body = self.loop.run_until_complete(self.call())
        return status, json.loads(body) if body else None

    def per_request(self, count: int) -> float:
        """Seconds per request, over ``count`` requests in a row."""

        async def batch() -> float:
            started = time.perf_counter()
            for _ in range(count):
                await self.call()
            return (time.perf_counter() - started) / count

        return self.loop.run_until_complete(batch())


def replay(
    app: Any, loop: asyncio.AbstractEventLoop, requests: Sequence[tuple[str, str, bytes | None]]
) -> float:
    """Seconds per request of ``requests`` (method, path as on the wire, body) sent in a row
    as bare ASGI calls: the baseline for a search, whose every request differs."""
    calls = [RawASGI(app, method, path, body, loop) for method, path, body in requests]

    async def batch() -> float:
        started = time.perf_counter()
        for call in calls:
            await call.call()
        return (time.perf_counter() - started) / len(calls)

    return loop.run_until_complete(batch())


class Counting:
    """ASGI middleware that counts the HTTP requests reaching the app (the OpenAPI document
    aside). It keeps the app as ``.app``, as Starlette's middleware do, so paramleak looks
    through it to the routes."""

    def __init__(self, app: Any, *, ignore: str = "/openapi.json") -> None:
        self.app = app
        self.ignore = ignore
        self.count = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] != self.ignore:
            self.count += 1
        await self.app(scope, receive, send)
