"""Requests to an in-process ASGI app, synchronously, with a per-request timeout."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import httpx


class RequestTimeout(Exception):
    pass


class AppClient:
    """Drives ``httpx.AsyncClient(transport=ASGITransport(app))`` on a private event loop."""

    def __init__(
        self, app: Any, *, headers: Mapping[str, str] | None = None, timeout: float = 10.0
    ) -> None:
        self._loop = asyncio.new_event_loop()
        self._timeout = timeout
        self._http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
            base_url="http://paramleak.test",
            headers=dict(headers or {}),
        )

    def send(self, method: str, path: str, body: bytes | None) -> httpx.Response:
        headers = {"content-type": "application/json"} if body is not None else {}
        request = self._http.request(method, path, content=body, headers=headers)
        try:
            return self._loop.run_until_complete(asyncio.wait_for(request, self._timeout))
        except asyncio.TimeoutError:
            raise RequestTimeout(f"no answer within {self._timeout:g}s") from None

    def close(self) -> None:
        self._loop.run_until_complete(self._http.aclose())
        self._loop.close()
