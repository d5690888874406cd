"""Probes: observe each registry property on a live app, from outside, for one input.

Every probe sends plain HTTP requests through ``Client`` and reads only responses, the
trigger list and (for ``path_reaches_body_validation``) paramleak's record of what reached
pydantic validation. A response that fits none of the outcomes a property allows raises
``UnexpectedResponse``: a probe never guesses.
"""

from __future__ import annotations

import json
from typing import Any, Literal

import httpx

from paramleak import Validation, is_armed, recording
from repro.client import OMITTED, Body, Client

SEED_STATUS = 400
SEED_BODY = (
    b'{"type":"error","error":{"type":"invalid_request_error",'
    b'"message":"trigger_id: Extra inputs are not permitted"}}'
)
PATH_PARAM = "trigger_id"


class ProbeError(AssertionError):
    """A probe could not observe its property: the app answered outside every outcome."""


class UnexpectedResponse(ProbeError):
    def __init__(self, what: str, response: httpx.Response) -> None:
        request = response.request
        super().__init__(
            f"{what}: {request.method} {request.url.path} answered "
            f"{response.status_code} {response.content!r}"
        )


class ObserverNotArmed(ProbeError):
    """No validation was recorded: the app was imported before ``paramleak.arm()``."""


def rejects_valid_run(client: Client, trigger_id: str, body: Body = OMITTED) -> bool:
    """Run an existing trigger with a valid body: True if it gets the seed's exact 400."""
    response = client.run(trigger_id, body)
    if response.status_code == 200 and json_field(response, "trigger_id") == trigger_id:
        return False
    if (response.status_code, response.content) == (SEED_STATUS, SEED_BODY):
        return True
    raise UnexpectedResponse("a valid run neither ran nor got the seed's 400", response)


def path_reaches_body_validation(client: Client, trigger_id: str, note: str) -> bool:
    """True if the path's trigger id is in the input of the validator that reads the body.

    The body validator is found, not assumed: it is whichever validation received the
    request's unique ``note``. Then every request shape (body with the note, ``{}``,
    omitted) is checked for the path value reaching a validation of that same schema.
    """
    if not is_armed():
        raise ObserverNotArmed("call paramleak.arm() before the app is imported")
    with recording() as seen:
        client.run(trigger_id, {"note": note})
        client.run(trigger_id, {})
        client.run(trigger_id)
    body_validators = {v.validator for v in seen if _contains(v.input, note)}
    if not body_validators:
        raise ObserverNotArmed(
            f"no recorded validation received the body; saw {_describe(seen)}: "
            "was the app imported before paramleak.arm()?"
        )
    return any(v.validator in body_validators and _contains(v.input, trigger_id) for v in seen)


def unknown_body_field(
    client: Client, trigger_id: str, field: str, value: Any
) -> Literal["rejected", "dropped"]:
    """Run with a body field the model does not declare: rejected by name, or dropped."""
    response = client.run(trigger_id, {field: value})
    if response.status_code == 200 and json_field(response, "note", default="absent") is None:
        return "dropped"
    if response.status_code == 400 and _error_names(response, field):
        return "rejected"
    raise UnexpectedResponse(
        f"an unknown field {field!r} was neither dropped nor rejected", response
    )


def body_overrides_path(client: Client, path_trigger: str, other_trigger: str) -> bool:
    """Run ``path_trigger`` with ``{"trigger_id": other_trigger}``: True if the other ran."""
    before = client.run_counts(path_trigger, other_trigger)
    response = client.run(path_trigger, {PATH_PARAM: other_trigger})
    after = client.run_counts(path_trigger, other_trigger)
    ran = {tid for tid, count in after.items() if count != before[tid]}
    if response.status_code == 200 and len(ran) == 1:
        return ran == {other_trigger}
    if response.status_code == 400 and not ran:
        return False
    raise UnexpectedResponse(f"a run changed the run counts of {sorted(ran)}", response)


def json_field(response: httpx.Response, key: str, default: Any = None) -> Any:
    """``response.json()[key]``, or ``default`` if the body is not a JSON object with it."""
    try:
        body = response.json()
    except ValueError:
        return default
    return body.get(key, default) if isinstance(body, dict) else default


def _error_names(response: httpx.Response, field: str) -> bool:
    error = json_field(response, "error")
    message = error.get("message") if isinstance(error, dict) else None
    return f"{field}: Extra inputs are not permitted" in str(message)


def _contains(value: Any, needle: str) -> bool:
    """``needle`` is a value somewhere in ``value``; keys do not count (a note may read
    ``"trigger_id"``, and the path model's input has that key)."""
    if isinstance(value, str):
        return value == needle
    if isinstance(value, dict):
        return any(_contains(v, needle) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_contains(item, needle) for item in value)
    return False


def _describe(seen: list[Validation]) -> str:
    return json.dumps([v.schema for v in seen]) if seen else "none"
