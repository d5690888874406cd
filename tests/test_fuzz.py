"""Fuzz every fix with raw requests: no 5xx, and every error in the seed's envelope.

Each Hypothesis example sends a batch of ``MIN_BATCH``-``MAX_BATCH`` raw requests (any
method, mutated paths, raw query strings, odd headers, any body bytes; see
``tests/http_strategies.py``) to one app per fix, shared by all examples as a live service's
store is. The test counts what it sent, records it as the ``requests_sent`` user property
(``-o junit_family=xunit1 --junitxml=FILE`` writes it, and ``tests/figures.py`` reads it with
the 5xx and other contract violations seen) and checks it against the active profile: at least
``max_examples * MIN_BATCH`` requests per fix app, so the thorough profile (2,500 examples)
sends at least 10,000 to each.

The contract: no status of 500 or more; a ``request-id: req_...`` header on every response;
a JSON content type on every response but a redirect; a JSON object for a success; for an
error, exactly ``{"type": "error", "error": {"type": str, "message": str}}``. httpx's ASGI
transport drops the body of a HEAD response, so a HEAD answer is checked by its headers.
"""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest
from hypothesis import example, given, settings

from repro import Variant
from repro.client import run_path
from tests.http_strategies import KNOWN_TRIGGER_IDS, RawClient, RawRequest, raw_request_batches
from tests.support import variants

FIXES = variants(where=lambda v: v.kind == "fix")
MIN_BATCH, MAX_BATCH = 4, 8
THOROUGH_REQUESTS_PER_APP = 10_000
REQUEST_ID = re.compile(r"req_[0-9a-f]{24}")
RUN = run_path(KNOWN_TRIGGER_IDS[0])
TRIGGERS = "/v1/code/triggers"


def json_request(method: str, path: str, body: bytes) -> RawRequest:
    return RawRequest(method, path, "", ((b"content-type", b"application/json"),), body)


def problem(request: RawRequest, response: httpx.Response) -> str | None:
    """What is wrong with ``response`` to ``request``, or None if it is in the contract."""
    status = response.status_code
    if status >= 500:
        return f"answered {status}"
    if not REQUEST_ID.fullmatch(response.headers.get("request-id", "")):
        return "no request-id header"
    if 300 <= status < 400:
        return None if "location" in response.headers else f"{status} without a location"
    # httpx's ASGI transport drops the body of a HEAD response; its headers still count.
    if response.headers.get("content-type") != "application/json":
        return f"content-type {response.headers.get('content-type')!r}, not JSON"
    if request.method.upper() == "HEAD":
        return None
    try:
        body: Any = json.loads(response.content)
    except ValueError:
        return "a body that is not JSON"
    if status < 400:
        return None if isinstance(body, dict) else "a success that is not a JSON object"
    return envelope_problem(body)


def envelope_problem(body: Any) -> str | None:
    if not isinstance(body, dict) or set(body) != {"type", "error"} or body["type"] != "error":
        return "an error outside the envelope"
    error = body["error"]
    if not isinstance(error, dict) or set(error) != {"type", "message"}:
        return "an error object other than {type, message}"
    if not isinstance(error["type"], str) or not isinstance(error["message"], str):
        return "an error type or message that is not a string"
    return None


@pytest.mark.parametrize("variant", FIXES)
def test_raw_requests_never_get_a_5xx_and_errors_are_in_the_envelope(
    variant: Variant, request: pytest.FixtureRequest
) -> None:
    app = variant.create_app()
    sent = server_errors = violations = 0
    with RawClient(app) as client:
        for trigger_id in KNOWN_TRIGGER_IDS:
            app.state.store.create(
                name="known", now=app.state.scheduler.clock(), trigger_id=trigger_id
            )

        @given(batch=raw_request_batches(MIN_BATCH, MAX_BATCH))
        @example(batch=[RawRequest("POST", RUN), json_request("POST", RUN, b"{}")])
        @example(batch=[json_request("POST", RUN, b'{"note": "\\ud800"}')])
        @example(
            batch=[
                json_request("POST", TRIGGERS, b'{"name": "\\ud800"}'),
                RawRequest("GET", TRIGGERS),
            ]
        )
        @example(batch=[RawRequest("POST", RUN + "/", headers=((b"host", b""),))])
        def fuzz(batch: list[RawRequest]) -> None:
            nonlocal sent, server_errors, violations
            for raw in batch:
                response = client.send(raw)
                sent += 1
                found = problem(raw, response)
                if response.status_code >= 500:
                    server_errors += 1
                elif found is not None:
                    violations += 1
                assert found is None, f"{raw!r} {found}: {response.content[:500]!r}"

        try:
            fuzz()
        finally:  # what was sent and seen, failing or not (tests/figures.py reads it)
            request.node.user_properties += [
                ("variant", variant.name),
                ("requests_sent", sent),
                ("server_errors", server_errors),
                ("envelope_violations", violations),
            ]
    assert sent >= settings().max_examples * MIN_BATCH
    if settings.get_current_profile_name() == "thorough":
        assert sent >= THOROUGH_REQUESTS_PER_APP
