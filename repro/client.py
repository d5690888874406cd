"""A synchronous client for an in-process app, over ``httpx.ASGITransport``.

Hypothesis tests and the matrix are synchronous; each client owns a private event loop and
drives the async httpx client on it, one request at a time.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from types import TracebackType
from typing import Any
from urllib.parse import quote

import httpx
from fastapi import FastAPI


class Omitted:
    """No request body at all, as opposed to ``{}``."""

    def __repr__(self) -> str:
        return "OMITTED"


OMITTED = Omitted()
Body = Omitted | dict[str, Any]


def run_path(trigger_id: str) -> str:
    return f"/v1/code/triggers/{quote(trigger_id, safe='')}/run"


async def _chunks(content: bytes, size: int) -> AsyncIterator[bytes]:
    for start in range(0, len(content), size):
        yield content[start : start + size]


class Client:
    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self._loop = asyncio.new_event_loop()
        self._http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://routines.test"
        )

    def request(self, method: str, path: str, body: Body = OMITTED) -> httpx.Response:
        json = None if isinstance(body, Omitted) else body
        return self._loop.run_until_complete(self._http.request(method, path, json=json))

    def raw(
        self,
        method: str,
        path: str,
        content: bytes = b"",
        headers: Mapping[str, str] | None = None,
        *,
        chunk_size: int | None = None,
    ) -> httpx.Response:
        """Send ``content`` as is, with only the ``headers`` given (no content type added).

        With ``chunk_size``, the body goes in chunks of that size without a content-length,
        as a chunked upload does.
        """
        body: bytes | AsyncIterator[bytes] = content
        if chunk_size is not None:
            body = _chunks(content, chunk_size)
        request = self._http.request(method, path, content=body, headers=dict(headers or {}))
        return self._loop.run_until_complete(request)

    def run(self, trigger_id: str, body: Body = OMITTED) -> httpx.Response:
        return self.request("POST", run_path(trigger_id), body)

    def run_counts(self, *trigger_ids: str) -> dict[str, int]:
        """``run_count`` by trigger id: of the triggers named, or of every trigger listed."""
        if not trigger_ids:
            listed = self.request("GET", "/v1/code/triggers")
            listed.raise_for_status()
            return {trigger["id"]: trigger["run_count"] for trigger in listed.json()["data"]}
        counts = {}
        for trigger_id in trigger_ids:
            got = self.request("GET", f"/v1/code/triggers/{quote(trigger_id, safe='')}")
            got.raise_for_status()
            counts[trigger_id] = got.json()["run_count"]
        return counts

    def close(self) -> None:
        self._loop.run_until_complete(self._http.aclose())
        self._loop.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
