"""Requests to an in-process ASGI app, synchronously, with a per-request timeout.

The app runs on an event loop in a daemon thread of its own, so that a handler that blocks
(``time.sleep`` in an ``async def``) costs a timeout, not the audit: the caller waits on a
future with a deadline. Each request runs in the caller's context, so a
``paramleak.recording()`` opened around ``send`` sees the validations it causes.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import threading
from collections.abc import Mapping
from typing import Any

import httpx


class RequestTimeout(Exception):
    pass


class AppClient:
    """``httpx.AsyncClient(transport=ASGITransport(app))`` behind a synchronous ``send``."""

    def __init__(
        self, app: Any, *, headers: Mapping[str, str] | None = None, timeout: float = 10.0
    ) -> None:
        self._timeout = timeout
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._serve, name="paramleak-app", daemon=True)
        self._thread.start()
        self._http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
            base_url="http://paramleak.test",
            headers=dict(headers or {}),
        )
        self._stuck = False

    def send(self, method: str, path: str, body: bytes | None) -> httpx.Response:
        if self._stuck:
            raise RequestTimeout("the app is still busy with a request that timed out")
        headers = {"content-type": "application/json"} if body is not None else {}
        future = self._submit(self._http.request(method, path, content=body, headers=headers))
        try:
            response: httpx.Response = future.result(self._timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            self._stuck = not self._idle()
            raise RequestTimeout(f"no answer within {self._timeout:g}s") from None
        return response

    def close(self) -> None:
        """Stop the loop. If a handler still blocks it, the loop's thread finishes the job
        (cancel what is pending, close the loop) once the handler returns."""
        if not self._stuck:
            self._submit(self._http.aclose()).result(self._timeout)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(0 if self._stuck else self._timeout)

    def _serve(self) -> None:
        try:
            self._loop.run_forever()
        finally:
            pending = asyncio.all_tasks(self._loop)
            for task in pending:
                task.cancel()
            if pending:
                self._loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            self._loop.close()

    def _submit(self, coroutine: Any) -> concurrent.futures.Future[Any]:
        context = contextvars.copy_context()
        result: concurrent.futures.Future[Any] = concurrent.futures.Future()

        def settle(task: asyncio.Task[Any]) -> None:
            if result.cancelled():
                return
            if task.cancelled():
                result.cancel()
            elif task.exception() is not None:
                result.set_exception(task.exception())
            else:
                result.set_result(task.result())

        def start() -> None:
            if not result.set_running_or_notify_cancel():
                coroutine.close()
                return
            task = self._loop.create_task(coroutine)  # copies the caller's context
            task.add_done_callback(settle)
            result.add_done_callback(
                lambda done: done.cancelled() and self._loop.call_soon_threadsafe(task.cancel)
            )

        self._loop.call_soon_threadsafe(context.run, start)
        return result

    def _idle(self) -> bool:
        """True if the loop answers within a short grace period after a cancel."""
        probe: concurrent.futures.Future[None] = concurrent.futures.Future()
        self._loop.call_soon_threadsafe(probe.set_result, None)
        try:
            probe.result(min(1.0, self._timeout))
        except concurrent.futures.TimeoutError:
            return False
        return True
