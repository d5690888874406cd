"""What each right-looking fix costs, shown rather than hidden."""

from __future__ import annotations

import pytest

from paramleak import recording
from repro.client import Client
from tests.strategies import EXAMPLE_TRIGGER_ID
from tests.support import seed_trigger, variants

MASKING = variants(where=lambda v: v.expect["unknown_body_field"] == "dropped")
STRICT = variants(where=lambda v: v.kind == "fix" and v.expect["unknown_body_field"] == "rejected")


@pytest.mark.parametrize("variant", MASKING)
def test_extra_ignore_silently_drops_a_misspelled_note(client: Client) -> None:
    seed_trigger(client, EXAMPLE_TRIGGER_ID)

    response = client.run(EXAMPLE_TRIGGER_ID, {"nte": "rollback after incident 4411"})

    assert response.status_code == 200
    assert response.json()["note"] is None  # the client's note is gone, and nobody is told


@pytest.mark.parametrize("variant", MASKING)
def test_extra_ignore_still_hands_the_path_value_to_the_body_model(client: Client) -> None:
    seed_trigger(client, EXAMPLE_TRIGGER_ID)

    with recording() as seen:
        response = client.run(EXAMPLE_TRIGGER_ID, {"note": "tracer"})

    assert response.status_code == 200
    body_inputs = [v.input for v in seen if isinstance(v.input, dict) and "note" in v.input]
    assert body_inputs == [{"note": "tracer", "trigger_id": EXAMPLE_TRIGGER_ID}]
    assert [v.outcome for v in seen if v.input in body_inputs] == ["valid"]


@pytest.mark.parametrize("variant", STRICT)
def test_separate_path_model_keeps_rejecting_a_misspelled_note(client: Client) -> None:
    seed_trigger(client, EXAMPLE_TRIGGER_ID)

    response = client.run(EXAMPLE_TRIGGER_ID, {"nte": "rollback after incident 4411"})

    assert response.status_code == 400
    assert response.json() == {
        "type": "error",
        "error": {
            "type": "invalid_request_error",
            "message": "nte: Extra inputs are not permitted",
        },
    }
    assert client.run_counts() == {EXAMPLE_TRIGGER_ID: 0}


@pytest.mark.parametrize("variant", STRICT)
def test_separate_path_model_rejects_the_path_param_sent_in_the_body(client: Client) -> None:
    """A client that itself sends ``trigger_id`` in the body is told so: that key came from
    the client, so rejecting it is right."""
    seed_trigger(client, EXAMPLE_TRIGGER_ID)

    response = client.run(EXAMPLE_TRIGGER_ID, {"trigger_id": EXAMPLE_TRIGGER_ID})

    assert response.status_code == 400
    assert response.json()["error"]["message"] == "trigger_id: Extra inputs are not permitted"
