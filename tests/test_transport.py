"""``AppClient`` makes ASGI calls itself: what an app sees, and what comes back.

The audit's verdicts rest on these requests reaching the app as a server would send them:
the path decoded with ``raw_path`` kept, the query string apart, the caller's headers, a JSON
content type and length only with a body; a streamed response collected whole; an exception
kept and answered 500.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, StreamingResponse
from starlette.routing import Route

from paramleak._transport import AppClient


async def echo(request: Request) -> JSONResponse:
    body = await request.body()
    return JSONResponse(
        {
            "method": request.method,
            "path": request.url.path,
            "raw_path": request.scope["raw_path"].decode(),
            "query": request.url.query,
            "param": request.path_params["item"],
            "headers": {k: v for k, v in request.headers.items() if k != "host"},
            "body": body.decode(),
        },
        headers={"x-twice": "a"},
    )


async def stream(request: Request) -> StreamingResponse:
    async def chunks() -> Any:
        for part in (b"one ", b"two ", b"three"):
            yield part

    return StreamingResponse(chunks(), media_type="text/plain")


async def boom(request: Request) -> JSONResponse:
    raise RuntimeError("the handler broke")


app = Starlette(
    routes=[
        Route("/items/{item}", echo, methods=["GET", "POST"]),
        Route("/stream", stream),
        Route("/boom", boom, methods=["POST"]),
    ]
)


@pytest.fixture
def client() -> Iterator[AppClient]:
    client = AppClient(app, headers={"Authorization": "Bearer t0k"}, timeout=5)
    yield client
    client.close()


def test_the_path_is_decoded_and_raw_path_kept_with_the_query_apart(client: AppClient) -> None:
    response = client.send("GET", "/items/a%20b%C3%A9?x=1&y=%2F", None)

    seen = response.json()
    assert response.status_code == 200
    assert (seen["path"], seen["raw_path"], seen["param"]) == (
        "/items/a bé",
        "/items/a%20b%C3%A9",
        "a bé",
    )
    assert seen["query"] == "x=1&y=%2F"


def test_a_body_is_sent_as_json_with_its_length_and_the_callers_headers(
    client: AppClient,
) -> None:
    seen = client.send("POST", "/items/1", b'{"note": "x"}').json()

    assert seen["body"] == '{"note": "x"}'
    assert seen["headers"] == {
        "authorization": "Bearer t0k",
        "content-type": "application/json",
        "content-length": "13",
    }


def test_no_body_means_no_content_type_and_no_length(client: AppClient) -> None:
    seen = client.send("POST", "/items/1", None).json()

    assert (seen["body"], seen["headers"]) == ("", {"authorization": "Bearer t0k"})


def test_response_headers_are_lowercased(client: AppClient) -> None:
    response = client.send("GET", "/items/1", None)

    assert response.headers["x-twice"] == "a"
    assert response.headers["content-type"] == "application/json"


def test_a_streamed_response_is_collected_whole(client: AppClient) -> None:
    response = client.send("GET", "/stream", None)

    assert (response.status_code, response.text) == (200, "one two three")


def test_an_exception_is_kept_and_answered_500(client: AppClient) -> None:
    response = client.send("POST", "/boom", None)

    assert response.status_code == 500
    assert repr(client.last_app_error) == "RuntimeError('the handler broke')"
    assert client.send("GET", "/items/1", None).status_code == 200
    assert client.last_app_error is None
