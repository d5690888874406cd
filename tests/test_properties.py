"""P1-P4 over every registered variant, each asserting what the registry declares for it.

A bug must be broken in exactly the declared way and a fix must hold; a variant whose
behaviour changed fails here whichever way it changed.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, assume, example, given, settings

from repro import Variant
from repro.client import OMITTED, Body, Client
from repro.probes import (
    body_overrides_path,
    path_reaches_body_validation,
    rejects_valid_run,
    unknown_body_field,
)
from tests.strategies import (
    EXAMPLE_TRIGGER_ID,
    json_values,
    notes,
    run_bodies,
    trigger_ids,
    undeclared_fields,
)
from tests.support import seed_trigger, variants

# The client is an app shared by a test's examples on purpose: each example seeds its own
# triggers, and a store that grows between examples is what a live service has.
shares_app = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.mark.parametrize("variant", variants())
@shares_app
@given(trigger_id=trigger_ids(), body=run_bodies())
@example(trigger_id=EXAMPLE_TRIGGER_ID, body=OMITTED)  # the seed: body omitted
@example(trigger_id=EXAMPLE_TRIGGER_ID, body={})  # the seed: body {}
def test_p1_valid_run_is_rejected_exactly_where_declared(
    variant: Variant, client: Client, trigger_id: str, body: Body
) -> None:
    seed_trigger(client, trigger_id)
    assert rejects_valid_run(client, trigger_id, body) is variant.expect["rejects_valid_run"]


@pytest.mark.parametrize("variant", variants())
@shares_app
@given(trigger_id=trigger_ids(), note=notes(min_size=1))
@example(trigger_id=EXAMPLE_TRIGGER_ID, note="nightly backfill")
@example(trigger_id=EXAMPLE_TRIGGER_ID, note="trigger_id")  # the path model's key, as a value
def test_p2_path_value_reaches_body_validation_exactly_where_declared(
    variant: Variant, client: Client, trigger_id: str, note: str
) -> None:
    assume(note != trigger_id)
    seed_trigger(client, trigger_id)
    observed = path_reaches_body_validation(client, trigger_id, note)
    assert observed is variant.expect["path_reaches_body_validation"]


@pytest.mark.parametrize("variant", variants())
@shares_app
@given(trigger_id=trigger_ids(), field=undeclared_fields(), value=json_values())
@example(trigger_id=EXAMPLE_TRIGGER_ID, field="nte", value="deploy hotfix")  # a typo of note
@example(trigger_id=EXAMPLE_TRIGGER_ID, field="body", value={})  # named like FastAPI's loc
def test_p3_undeclared_body_field_is_treated_as_declared(
    variant: Variant, client: Client, trigger_id: str, field: str, value: Any
) -> None:
    seed_trigger(client, trigger_id)
    observed = unknown_body_field(client, trigger_id, field, value)
    assert observed == variant.expect["unknown_body_field"]


@pytest.mark.parametrize("variant", variants())
@shares_app
@given(path_trigger=trigger_ids(), other_trigger=trigger_ids())
def test_p4_body_picks_the_trigger_exactly_where_declared(
    variant: Variant, client: Client, path_trigger: str, other_trigger: str
) -> None:
    assume(path_trigger != other_trigger)
    seed_trigger(client, path_trigger)
    seed_trigger(client, other_trigger, name="someone else's")
    observed = body_overrides_path(client, path_trigger, other_trigger)
    assert observed is variant.expect["body_overrides_path"]
