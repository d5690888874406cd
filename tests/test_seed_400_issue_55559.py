"""The seed, byte for byte: every run of an existing trigger answers the same 400.

anthropics/claude-code#55559 (duplicates #53581, #54256, #54757, #55226, #56063):
``POST /v1/code/triggers/{trigger_id}/run`` answered, body omitted and ``{}`` alike, in
repeated calls, ``HTTP 400 {"type":"error","error":{"type":"invalid_request_error",
"message":"trigger_id: Extra inputs are not permitted"}}``, while list and get worked.
"""

from __future__ import annotations

import re

import pytest

from repro import Variant
from repro.client import OMITTED, Body, Client
from repro.probes import SEED_BODY, SEED_STATUS
from tests.support import variants

SEED_VARIANTS = variants(where=lambda v: v.expect["rejects_valid_run"])
WORKING_VARIANTS = variants(where=lambda v: not v.expect["rejects_valid_run"])
REQUEST_ID = re.compile(r"req_[0-9a-f]{24}")


def create(client: Client, name: str = "nightly") -> str:
    response = client.request("POST", "/v1/code/triggers", {"name": name})
    assert response.status_code == 201, response.text
    trigger_id: str = response.json()["id"]
    return trigger_id


@pytest.mark.parametrize("body", [OMITTED, {}], ids=["body-omitted", "body-empty-object"])
@pytest.mark.parametrize("variant", SEED_VARIANTS)
def test_run_answers_the_seed_bytes_on_every_call(client: Client, body: Body) -> None:
    trigger_id = create(client)
    for _ in range(3):
        response = client.run(trigger_id, body)
        assert response.status_code == SEED_STATUS
        assert response.content == SEED_BODY
        assert response.headers["content-type"] == "application/json"
        assert REQUEST_ID.fullmatch(response.headers["request-id"])
    assert client.run_counts() == {trigger_id: 0}


@pytest.mark.parametrize("variant", SEED_VARIANTS)
def test_list_and_get_work_while_run_fails(client: Client) -> None:
    trigger_id = create(client)
    assert client.run(trigger_id).status_code == SEED_STATUS

    listed = client.request("GET", "/v1/code/triggers")
    got = client.request("GET", f"/v1/code/triggers/{trigger_id}")

    assert listed.status_code == 200
    assert [t["id"] for t in listed.json()["data"]] == [trigger_id]
    assert got.status_code == 200
    assert got.json()["id"] == trigger_id
    assert got.json()["name"] == "nightly"


@pytest.mark.parametrize("body", [OMITTED, {}], ids=["body-omitted", "body-empty-object"])
@pytest.mark.parametrize("variant", WORKING_VARIANTS)
def test_run_works_where_the_registry_says_it_is_fixed(
    variant: Variant, client: Client, body: Body
) -> None:
    trigger_id = create(client)
    for expected_count in (1, 2, 3):
        response = client.run(trigger_id, body)
        assert response.status_code == 200, response.text
        assert response.json()["trigger_id"] == trigger_id
        assert response.json()["source"] == "manual"
        assert client.run_counts() == {trigger_id: expected_count}
