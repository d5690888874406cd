"""Registry-driven parametrization and state seeding shared by the tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import pytest

from repro import VARIANTS, Variant
from repro.client import Client


def variants(where: Callable[[Variant], bool] = lambda v: True) -> list[Any]:
    """``pytest.param`` per registered variant that ``where`` selects, id'd by name."""
    selected = [pytest.param(v, id=v.name) for v in VARIANTS if where(v)]
    assert selected, "the selection matches no registered variant"
    return selected


def seed_trigger(client: Client, trigger_id: str, name: str = "nightly") -> str:
    """Make sure a trigger with this id exists in the client's app (its store, directly)."""
    store = client.app.state.store
    if store.get(trigger_id) is None:
        store.create(name=name, now=datetime.now(timezone.utc), trigger_id=trigger_id)
    return trigger_id
