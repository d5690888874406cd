"""Every error of every variant is in the seed's envelope; every response has a request id."""

from __future__ import annotations

import re

import httpx
import pytest

from repro.client import Client
from tests.strategies import EXAMPLE_TRIGGER_ID
from tests.support import seed_trigger, variants

UNKNOWN = "trg_" + "0" * 24
REQUEST_ID = re.compile(r"req_[0-9a-f]{24}")


def error(response: httpx.Response) -> tuple[int, str, str]:
    body = response.json()
    assert set(body) == {"type", "error"}
    assert body["type"] == "error"
    assert set(body["error"]) == {"type", "message"}
    assert REQUEST_ID.fullmatch(response.headers["request-id"])
    return response.status_code, body["error"]["type"], body["error"]["message"]


@pytest.mark.parametrize("variant", variants())
def test_get_of_an_unknown_trigger_is_404_not_found(client: Client) -> None:
    response = client.request("GET", f"/v1/code/triggers/{UNKNOWN}")
    assert error(response) == (404, "not_found_error", f"trigger {UNKNOWN} not found")


@pytest.mark.parametrize("variant", variants(where=lambda v: not v.expect["rejects_valid_run"]))
def test_run_of_an_unknown_trigger_is_404_not_found(client: Client) -> None:
    response = client.run(UNKNOWN, {})
    assert error(response) == (404, "not_found_error", f"trigger {UNKNOWN} not found")


@pytest.mark.parametrize("variant", variants())
@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("DELETE", f"/v1/code/triggers/{EXAMPLE_TRIGGER_ID}/run", "POST"),
        ("GET", f"/v1/code/triggers/{EXAMPLE_TRIGGER_ID}/run", "POST"),
        ("DELETE", f"/v1/code/triggers/{EXAMPLE_TRIGGER_ID}", "GET"),
        # Two routes share this path: Allow names both, not only the first one matched.
        ("PUT", "/v1/code/triggers", "GET, POST"),
        ("OPTIONS", "/v1/code/triggers", "GET, POST"),
    ],
)
def test_wrong_method_is_405_with_every_allowed_method(
    client: Client, method: str, path: str, allow: str
) -> None:
    seed_trigger(client, EXAMPLE_TRIGGER_ID)
    response = client.request(method, path)
    assert error(response) == (405, "invalid_request_error", "Method Not Allowed")
    assert response.headers["allow"] == allow


@pytest.mark.parametrize("variant", variants())
def test_unknown_route_is_404_not_found(client: Client) -> None:
    assert error(client.request("GET", "/v1/code/routines")) == (
        404,
        "not_found_error",
        "Not Found",
    )


@pytest.mark.parametrize("variant", variants())
def test_create_without_a_name_is_400_naming_the_field(client: Client) -> None:
    response = client.request("POST", "/v1/code/triggers", {"cron_expression": "0 * * * *"})
    assert error(response) == (400, "invalid_request_error", "name: Field required")
    assert client.run_counts() == {}


@pytest.mark.parametrize("variant", variants())
def test_success_responses_carry_a_request_id_too(client: Client) -> None:
    created = client.request("POST", "/v1/code/triggers", {"name": "nightly"})
    listed = client.request("GET", "/v1/code/triggers")
    assert created.status_code == 201
    assert REQUEST_ID.fullmatch(created.headers["request-id"])
    assert REQUEST_ID.fullmatch(listed.headers["request-id"])
    assert created.headers["request-id"] != listed.headers["request-id"]
