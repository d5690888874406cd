"""OWASP API3:2023 for every variant: nothing but the path chooses which trigger a run acts on.

Two triggers, A and B. A run on A's path carries B's id in its body (``trigger_id``, ``id``,
``triggerId``, nested, repeated, escaped), its query or its headers; the run counts of A and
B show which one ran. Some request ran B exactly where the registry declares
``body_overrides_path``: in the wrong fix that declares ``trigger_id`` in the body model.
Bug variants reject most runs with the seed's 400; they too must never run B.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import example, given

from repro import VARIANTS, Variant
from repro.client import run_path
from repro.routines.store import TriggerStore
from tests.http_strategies import (
    ID_HEADERS,
    ID_KEYS,
    OverrideAttempt,
    RawClient,
    RawRequest,
    override_attempts,
)
from tests.strategies import EXAMPLE_TRIGGER_ID
from tests.support import variants

OTHER_TRIGGER_ID = "trg_" + "B" * 24
JSON = ((b"content-type", b"application/json"),)


def attempt(body: object = None, query: str = "", header: str | None = None) -> OverrideAttempt:
    """A run on ``EXAMPLE_TRIGGER_ID``'s path naming ``OTHER_TRIGGER_ID`` as given."""
    headers = JSON if body is not None else ()
    if header is not None:
        value = OTHER_TRIGGER_ID if header.endswith("-id") else run_path(OTHER_TRIGGER_ID)
        headers = (*headers, (header.encode(), value.encode()))
    encoded = b"" if body is None else json.dumps(body).encode()
    request = RawRequest("POST", run_path(EXAMPLE_TRIGGER_ID), query, headers, encoded)
    return OverrideAttempt(EXAMPLE_TRIGGER_ID, OTHER_TRIGGER_ID, request)


def every_channel(body: bytes) -> OverrideAttempt:
    """One run naming the other trigger under every query key and header at once."""
    query = "&".join(f"{key}={OTHER_TRIGGER_ID}" for key in ID_KEYS)
    headers = [(b"content-type", b"application/json")] if body else []
    for name in ID_HEADERS:
        value = OTHER_TRIGGER_ID if name.endswith("-id") else run_path(OTHER_TRIGGER_ID)
        headers.append((name.encode(), value.encode()))
    request = RawRequest("POST", run_path(EXAMPLE_TRIGGER_ID), query, tuple(headers), body)
    return OverrideAttempt(EXAMPLE_TRIGGER_ID, OTHER_TRIGGER_ID, request)


def run_counts(store: TriggerStore, *trigger_ids: str) -> dict[str, int]:
    counts = {}
    for trigger_id in trigger_ids:
        trigger = store.get(trigger_id)
        assert trigger is not None
        counts[trigger_id] = trigger.run_count
    return counts


def test_the_registry_declares_one_variant_whose_body_picks_the_trigger() -> None:
    declared = [v.name for v in VARIANTS if v.expect["body_overrides_path"]]
    assert declared == ["handler_merge/wrong_path_as_body_field"]


@pytest.mark.parametrize("variant", variants())
def test_no_body_query_or_header_runs_another_trigger_except_where_declared(
    variant: Variant, request: pytest.FixtureRequest
) -> None:
    app = variant.create_app()
    store: TriggerStore = app.state.store
    overrides: list[OverrideAttempt] = []
    attempts = 0

    with RawClient(app) as client:

        @given(attempt=override_attempts())
        @example(attempt=attempt({"trigger_id": OTHER_TRIGGER_ID}))
        @example(attempt=attempt({"trigger_id": OTHER_TRIGGER_ID, "note": "hi"}))
        @example(attempt=attempt({"id": OTHER_TRIGGER_ID}))
        @example(attempt=attempt({"data": {"trigger_id": OTHER_TRIGGER_ID}}))
        @example(attempt=attempt(query=f"trigger_id={OTHER_TRIGGER_ID}"))
        @example(attempt=attempt({}, query=f"id={OTHER_TRIGGER_ID}"))
        @example(attempt=attempt({"note": "hi"}, query=f"triggerId={OTHER_TRIGGER_ID}"))
        @example(attempt=attempt(header="x-trigger-id"))
        @example(attempt=attempt({}, header="x-original-url"))
        @example(attempt=attempt(header="referer"))
        @example(attempt=every_channel(b""))
        @example(attempt=every_channel(b"{}"))
        def attack(attempt: OverrideAttempt) -> None:
            nonlocal attempts
            a, b = attempt.path_trigger, attempt.other_trigger
            for trigger_id in (a, b):
                if store.get(trigger_id) is None:
                    store.create(
                        name=trigger_id, now=app.state.scheduler.clock(), trigger_id=trigger_id
                    )
            before = run_counts(store, a, b)
            response = client.send(attempt.request)
            attempts += 1
            after = run_counts(store, a, b)
            ran = {trigger_id for trigger_id in (a, b) if after[trigger_id] != before[trigger_id]}
            if b in ran:
                overrides.append(attempt)

            assert response.status_code < 500, response.content
            assert all(after[t] - before[t] in (0, 1) for t in (a, b))
            if response.status_code == 200:
                assert len(ran) == 1
                assert ran == {response.json()["trigger_id"]}
            else:
                assert ran == set(), (response.status_code, response.content)
            if b in ran:
                assert variant.expect["body_overrides_path"], f"{attempt!r} ran the other trigger"

        try:
            attack()
        finally:  # what was tried and seen, failing or not (tests/figures.py reads it)
            request.node.user_properties += [
                ("variant", variant.name),
                ("override_attempts", attempts),
                ("overrides", len(overrides)),
            ]

    assert bool(overrides) is variant.expect["body_overrides_path"]
    # Where it is declared, it is the body's own trigger_id that picks: never a query or header.
    for override in overrides:
        body = json.loads(override.request.body)
        assert body["trigger_id"] == override.other_trigger, override
