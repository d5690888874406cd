"""The wrong fixes, each shown for what it really does."""

from __future__ import annotations

import importlib

import pytest
from pydantic import BaseModel, ConfigDict, PydanticUserError, ValidationError
from pydantic.warnings import PydanticDeprecatedSince20

from repro import variant
from repro.client import Client
from repro.probes import SEED_BODY
from repro.routines.models import StrictModel
from tests.strategies import EXAMPLE_TRIGGER_ID
from tests.support import seed_trigger

NESTED_CONFIG = variant("handler_merge/wrong_nested_config")
PATH_AS_BODY_FIELD = variant("handler_merge/wrong_path_as_body_field")


def test_seed_page_sample_leaves_forbid_in_force_under_a_strict_base() -> None:
    """The sample nests ``model_config`` inside ``class Config``: pydantic reads it as a
    v1 config key named ``model_config``, and the base model's ``extra='forbid'`` stands."""
    run_request: type[BaseModel] = NESTED_CONFIG.load().RunRequest

    assert run_request.model_config["extra"] == "forbid"
    assert run_request.model_config.get("model_config") == {"extra": "ignore"}
    with pytest.raises(ValidationError) as caught:
        run_request.model_validate({"trigger_id": EXAMPLE_TRIGGER_ID})
    assert [error["type"] for error in caught.value.errors()] == ["extra_forbidden"]


def test_seed_page_sample_only_sign_is_a_deprecation_warning_at_import() -> None:
    module = NESTED_CONFIG.load()
    with pytest.warns(PydanticDeprecatedSince20, match="class-based `config` is deprecated"):
        importlib.reload(module)


def test_seed_page_sample_still_answers_the_seed_400() -> None:
    with Client(NESTED_CONFIG.create_app()) as client:
        seed_trigger(client, EXAMPLE_TRIGGER_ID)
        response = client.run(EXAMPLE_TRIGGER_ID, {})
    assert response.content == SEED_BODY


def test_sample_written_beside_model_config_fails_at_class_definition() -> None:
    with pytest.raises(PydanticUserError, match='"Config" and "model_config" cannot be used'):

        class RunRequest(StrictModel):
            model_config = ConfigDict(extra="ignore")

            class Config:
                extra = "ignore"


def test_the_sample_would_need_model_config_itself_to_ignore_extras() -> None:
    class RunRequest(StrictModel):
        model_config = ConfigDict(extra="ignore")

    assert RunRequest.model_validate({"trigger_id": EXAMPLE_TRIGGER_ID}) == RunRequest()


def test_path_as_body_field_lets_the_body_run_another_trigger() -> None:
    """OWASP API3:2023 (Broken Object Property Level Authorization), CWE-915: the URL says
    trigger A, a check on A passes, and the body's ``trigger_id`` makes B run."""
    own, other = EXAMPLE_TRIGGER_ID, "trg_" + "B" * 24
    with Client(PATH_AS_BODY_FIELD.create_app()) as client:
        seed_trigger(client, own)
        seed_trigger(client, other, name="another tenant's")
        response = client.run(own, {"trigger_id": other})
        counts = client.run_counts()

    assert response.status_code == 200
    assert response.json()["trigger_id"] == other
    assert counts == {own: 0, other: 1}
