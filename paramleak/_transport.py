"""Requests to an in-process ASGI app, synchronously, with a per-request timeout.

The app runs on an event loop in a daemon thread of its own (the app thread), so that a
handler that blocks (``time.sleep`` in an ``async def``) costs a timeout, not the audit.
Work reaches that thread as jobs: ``call(fn)`` runs ``fn`` there, in a copy of the caller's
context, and ``send`` called from inside such a job makes its request on the spot, with no
hop between threads. The audit runs each route's whole check as one job, so its requests cost
what the app costs (see ``bench/``); ``send`` from any other thread is a job of one request.

Each request runs until the app answers or the timeout passes: a handler that awaits too
long is cancelled; one that blocks the loop cannot be, so the caller, which watches the
request under way, gives up on the job (``RequestTimeout``), the client is ``stuck`` until
the handler returns, and the abandoned job sends nothing more.

Requests are ASGI calls made here, not through an HTTP client: a scope built from the
method, path and body, one ``http.request`` message, the response's messages collected. The
loop runs while a request (or the lifespan's startup or shutdown) does; between requests,
tasks the app started wait.

As a server does, the client runs the app's ASGI lifespan: startup before the first request
(a failed or hung startup raises ``LifespanFailed``), shutdown when the client closes, and
the state a lifespan yields is in every request's scope. An exception the app lets out of a
request is kept (``last_app_error``), even when an exception handler answered for it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import json
import queue
import threading
import time
from collections.abc import Callable, Coroutine, Mapping
from contextlib import suppress
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import unquote

Message = dict[str, Any]
T = TypeVar("T")


class RequestTimeout(Exception):
    pass


@dataclass(frozen=True)
class Response:
    """What the app answered: its status, headers (names lowercased) and body."""

    status_code: int
    headers: Mapping[str, str]
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return json.loads(self.content)


class LifespanFailed(Exception):
    """The app's lifespan startup failed, or did not complete in time: it cannot serve."""


class _Job:
    """A function to run on the app thread, in the context of the caller that gave it."""

    def __init__(self, fn: Callable[[], Any]) -> None:
        self.fn = fn
        self.context = contextvars.copy_context()
        self.future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        self.abandoned = False

    def run(self) -> None:
        if not self.future.set_running_or_notify_cancel():
            return
        try:
            result = self.context.run(self.fn)
        except BaseException as error:
            self.future.set_exception(error)
        else:
            self.future.set_result(result)


class AppClient:
    """An in-process ASGI client behind a synchronous ``send``.

    ``lifespan``: run the app's lifespan startup in the constructor and its shutdown in
    ``close`` (an app that does not speak the lifespan protocol is served without it).
    """

    def __init__(
        self,
        app: Any,
        *,
        headers: Mapping[str, str] | None = None,
        timeout: float = 10.0,
        lifespan: bool = True,
    ) -> None:
        self._timeout = timeout
        self._app = app
        self._lifespan = _Lifespan(app, timeout) if lifespan else None
        self._closed = False
        self.last_app_error: Exception | None = None
        self._loop = asyncio.new_event_loop()
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._job: _Job | None = None  # the job the app thread runs
        self._abandoned: _Job | None = None  # the job the caller gave up on
        # The request under way on the app thread, and when it started (monotonic).
        self._under_way: tuple[float, asyncio.Task[Any]] | None = None
        self._expired: asyncio.Task[Any] | None = None  # a request cancelled for its time
        self._headers = [
            (b"host", b"paramleak.test"),
            *(
                (name.lower().encode("latin-1"), value.encode("latin-1"))
                for name, value in (headers or {}).items()
            ),
        ]
        self._thread = threading.Thread(target=self._serve, name="paramleak-app", daemon=True)
        self._thread.start()
        if self._lifespan is not None:
            try:
                self.call(self._start)
            except RequestTimeout:
                self.close()
                raise LifespanFailed(
                    f"lifespan startup did not complete within {self._timeout:g}s"
                ) from None
            except BaseException:
                self.close()
                raise

    @property
    def stuck(self) -> bool:
        """Whether a request that timed out still blocks the app thread."""
        if self._abandoned is not None and self._abandoned.future.done():
            self._abandoned = None
        return self._abandoned is not None

    @property
    def gave_up(self) -> bool:
        """On the app thread: whether the caller gave up on the job under way."""
        job = self._job
        return job is not None and job.abandoned and threading.get_ident() == self._thread.ident

    def call(self, fn: Callable[[], T]) -> T:
        """``fn()`` on the app thread, where its ``send`` calls cost no thread hop.

        Raises what ``fn`` raises, or ``RequestTimeout`` if a request of ``fn``'s blocks the
        loop past the timeout (``fn`` is then abandoned: its next ``send`` raises).
        """
        if threading.get_ident() == self._thread.ident:
            return fn()
        if self._closed:
            raise RuntimeError("the client is closed")
        if self.stuck:
            raise RequestTimeout("the app is still busy with a request that timed out")
        job = _Job(fn)
        self._jobs.put(job)
        return self._wait(job)  # type: ignore[no-any-return]

    def send(self, method: str, path: str, body: bytes | None) -> Response:
        """``method path``, with ``body`` as JSON (None: no body). ``path`` is as on the
        wire: percent-encoded, with an optional query string."""
        if threading.get_ident() != self._thread.ident:
            return self.call(lambda: self.send(method, path, body))
        self.last_app_error = None
        errors: list[Exception] = []
        response: Response = self._run(self._call(method, path, body, errors))
        self.last_app_error = errors[0] if errors else None
        return response

    def close(self) -> None:
        """Stop the app thread, after the lifespan shutdown. If a handler still blocks the
        loop, the thread finishes the job (shutdown, cancel what is pending, close the loop)
        once the handler returns."""
        if self._closed:
            return
        self._closed = True
        stuck = self.stuck
        self._jobs.put(None)
        # The app thread runs the lifespan shutdown (bounded by the timeout) on its way out.
        self._thread.join(0 if stuck else 2 * self._timeout + 1)

    def _wait(self, job: _Job) -> Any:
        """The job's result, watching the request under way: when it has run for the
        timeout, ask the loop to cancel it; if it is still under way a grace period later,
        it blocks the loop, and the job is abandoned.

        The caller sleeps until then: waking it on a tick would cost the app thread the
        GIL each time (a tick of 50 ms made every request 15% slower), and a timer per
        request would cost the loop.
        """
        grace = min(1.0, self._timeout)
        asked: asyncio.Task[Any] | None = None
        while True:
            under_way = self._under_way
            left = self._timeout
            if under_way is not None and self._job is job:
                since, task = under_way
                elapsed = time.monotonic() - since
                if elapsed >= self._timeout + grace:
                    job.abandoned = True
                    self._abandoned = job
                    raise RequestTimeout(f"no answer within {self._timeout:g}s")
                if elapsed >= self._timeout:
                    if asked is not task:
                        asked = task
                        with suppress(RuntimeError):  # the loop closed meanwhile
                            self._loop.call_soon_threadsafe(self._expire, task)
                    left = self._timeout + grace - elapsed
                else:
                    left = self._timeout - elapsed
            try:
                return job.future.result(left)
            except concurrent.futures.TimeoutError:
                pass

    def _expire(self, task: asyncio.Task[Any]) -> None:
        """On the loop: cancel a request that outlived the timeout, if it still runs."""
        if not task.done():
            self._expired = task
            task.cancel()

    def _run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """On the app thread: run the loop until ``coroutine`` is done; ``RequestTimeout``
        if the caller had it cancelled for outliving the timeout."""
        if self._job is not None and self._job.abandoned:
            coroutine.close()
            raise RequestTimeout("the caller gave up on this job after a request timed out")
        task = self._loop.create_task(coroutine)
        self._under_way = (time.monotonic(), task)
        try:
            return self._loop.run_until_complete(task)
        except asyncio.CancelledError:
            if self._expired is task:
                raise RequestTimeout(f"no answer within {self._timeout:g}s") from None
            raise
        finally:
            self._under_way = None
            self._expired = None

    async def _call(
        self, method: str, target: str, body: bytes | None, errors: list[Exception]
    ) -> Response:
        """One request, as a server makes it: the scope, the body, the response collected.

        An exception the app lets out is kept (in ``errors``) and answered 500, as a server
        does; one after the response started ends the response there.
        """
        path, _, query = target.partition("?")
        headers = list(self._headers)
        if body is not None:
            headers += [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ]
        scope: dict[str, Any] = {
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
            "server": ("paramleak.test", 80),
        }
        if self._lifespan is not None and self._lifespan.state:
            scope["state"] = dict(self._lifespan.state)
        status = 500
        response_headers: dict[str, str] = {}
        chunks: list[bytes] = []
        started = False
        sent_body = False
        done = asyncio.Event()

        async def receive() -> Message:
            nonlocal sent_body
            if not sent_body:
                sent_body = True
                return {"type": "http.request", "body": body or b"", "more_body": False}
            await done.wait()
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                started = True
                status = message["status"]
                for name, value in message.get("headers", ()):
                    key = bytes(name).decode("latin-1").lower()
                    text = bytes(value).decode("latin-1")
                    response_headers[key] = (
                        f"{response_headers[key]}, {text}" if key in response_headers else text
                    )
            elif message["type"] == "http.response.body":
                chunks.append(bytes(message.get("body", b"")))
                if not message.get("more_body", False):
                    done.set()

        try:
            await self._app(scope, receive, send)
        except Exception as error:
            errors.append(error)
            if not started:
                status, response_headers, chunks = 500, {}, [b"Internal Server Error"]
        finally:
            done.set()
        return Response(status, response_headers, b"".join(chunks))

    def _start(self) -> None:
        assert self._lifespan is not None
        try:
            self._run(self._lifespan.startup())
        except RequestTimeout:
            raise LifespanFailed(
                f"lifespan startup did not complete within {self._timeout:g}s"
            ) from None

    def _serve(self) -> None:
        try:
            while (job := self._jobs.get()) is not None:
                self._job = job
                job.run()
                self._job = None
        finally:
            if self._lifespan is not None:
                self._loop.run_until_complete(self._lifespan.shutdown())
            pending = asyncio.all_tasks(self._loop)
            for task in pending:
                task.cancel()
            if pending:
                self._loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            self._loop.run_until_complete(self._loop.shutdown_asyncgens())
            self._loop.close()


class _Lifespan:
    """The server's side of the ASGI lifespan protocol, on the client's loop."""

    def __init__(self, app: Any, timeout: float) -> None:
        self.app = app
        self.timeout = timeout
        self.state: dict[str, Any] = {}
        self.task: asyncio.Task[None] | None = None
        self.error: Exception | None = None
        self.started = False
        # Queues bind to the loop that first uses them (Python >= 3.10): the client's.
        self._inbox: asyncio.Queue[Message] = asyncio.Queue()
        self._outbox: asyncio.Queue[Message] = asyncio.Queue()

    async def startup(self) -> None:
        self.task = asyncio.create_task(self._run())
        try:
            self._inbox.put_nowait({"type": "lifespan.startup"})
            message = await self._outbox.get()
        except BaseException:  # cancelled: the startup timed out
            self.task.cancel()
            raise
        if message["type"] == "lifespan.startup.complete":
            self.started = True
        elif message["type"] == "lifespan.startup.failed":
            await asyncio.wait({self.task}, timeout=min(1.0, self.timeout))  # for its error
            raise LifespanFailed(f"lifespan startup failed: {self._why(message)}")
        # Else the app returned or raised at once: it does not speak the protocol, and is
        # served without it, as uvicorn's "auto" lifespan mode does.

    async def shutdown(self) -> None:
        """Ask a started lifespan to shut down and wait (bounded) for it; never raises."""
        if not self.started or self.task is None or self.task.done():
            return
        self._inbox.put_nowait({"type": "lifespan.shutdown"})
        await asyncio.wait({self.task}, timeout=self.timeout)

    async def _run(self) -> None:
        scope = {
            "type": "lifespan",
            "asgi": {"version": "3.0", "spec_version": "2.0"},
            "state": self.state,
        }
        try:
            await self.app(scope, self._inbox.get, self._send)
        except Exception as error:  # kept, never left unretrieved in the task
            self.error = error
        finally:
            self._outbox.put_nowait({"type": "paramleak.lifespan.returned"})

    async def _send(self, message: Message) -> None:
        self._outbox.put_nowait(dict(message))

    def _why(self, message: Message) -> str:
        if self.error is not None:
            return describe(self.error)
        lines = [line for line in str(message.get("message") or "").splitlines() if line]
        return lines[-1].strip() if lines else "no reason given"


def describe(error: BaseException) -> str:
    """``Type: message`` on one line: the message's first line."""
    text = str(error).strip()
    first = text.splitlines()[0] if text else ""
    return f"{type(error).__name__}: {first}" if first else type(error).__name__
