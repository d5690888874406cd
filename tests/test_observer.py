"""paramleak's validation observer: what P2 relies on to look inside the app."""

from __future__ import annotations

import subprocess
import sys
import threading
from contextvars import copy_context
from importlib.metadata import entry_points

import pytest
from pydantic import BaseModel, ValidationError

from paramleak import is_armed, recording
from repro import variant
from repro.client import Client
from tests.strategies import EXAMPLE_TRIGGER_ID
from tests.support import seed_trigger


class Point(BaseModel):
    x: int


def test_observer_is_registered_with_pydantic() -> None:
    plugins = {ep.name: ep.value for ep in entry_points(group="pydantic")}
    assert plugins["paramleak"] == "paramleak._observe:plugin"


def test_records_input_and_outcome_of_each_validation() -> None:
    assert is_armed()
    with recording() as seen:
        Point.model_validate({"x": "1"})
        with pytest.raises(ValidationError):
            Point.model_validate({"x": "one", "y": 2})
        Point.model_validate_json('{"x": 3}')

    assert [(v.schema, v.input, v.outcome) for v in seen] == [
        (f"{__name__}.Point", {"x": "1"}, "valid"),
        (f"{__name__}.Point", {"x": "one", "y": 2}, "invalid"),
        (f"{__name__}.Point", {"x": 3}, "valid"),
    ]
    assert [e["type"] for e in seen[1].errors] == ["int_parsing"]


def test_records_nothing_outside_a_recording() -> None:
    with recording() as seen:
        pass
    Point.model_validate({"x": 1})
    assert seen == []


def test_records_validations_in_threads_that_copy_the_context() -> None:
    with recording() as seen:
        context = copy_context()
        worker = threading.Thread(target=context.run, args=(Point.model_validate, {"x": 7}))
        worker.start()
        worker.join()
    assert [v.input for v in seen] == [{"x": 7}]


def test_sees_a_path_model_validated_in_a_sync_dependency_of_a_live_app() -> None:
    fix = variant("dependency_merge/separate_path_model")
    with Client(fix.create_app()) as client:
        seed_trigger(client, EXAMPLE_TRIGGER_ID)
        with recording() as seen:
            assert client.run(EXAMPLE_TRIGGER_ID, {"note": "n"}).status_code == 200
    assert {v.schema: v.input for v in seen} == {
        "repro.routines.models.TriggerPath": {"trigger_id": EXAMPLE_TRIGGER_ID},
        "repro.routines.models.RunRequest": {"note": "n"},
    }


UNARMED_CHECK = """
import paramleak
from pydantic import BaseModel
from pydantic_core import SchemaValidator
class Before(BaseModel):
    x: int
paramleak.arm()
class After(BaseModel):
    x: int
for model in (Before, After):
    validate = model.__pydantic_validator__.validate_python
    print(isinstance(getattr(validate, "__self__", None), SchemaValidator))
"""


def test_leaves_validators_untouched_until_armed() -> None:
    """Unarmed, a model validates through pydantic-core's own method, with no wrapper."""
    result = subprocess.run(
        [sys.executable, "-c", UNARMED_CHECK],
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": ""},
    )
    assert result.stdout.split() == ["True", "False"]
