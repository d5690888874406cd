"""Request models shared by the variants. Every one of them derives from a strict base.

``StrictModel`` is what real services do: forbid unknown fields everywhere, so that a
client's typo is an error and not a silently ignored field.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from repro.routines.cron import CronExpression
from repro.routines.store import TRIGGER_ID_PATTERN

TriggerId = Annotated[str, Field(pattern=TRIGGER_ID_PATTERN)]


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RunRequest(StrictModel):
    """The body of ``POST /v1/code/triggers/{trigger_id}/run``: nothing is required."""

    note: str | None = Field(default=None, max_length=200)


class CreateTriggerRequest(StrictModel):
    name: str = Field(min_length=1, max_length=200)
    cron_expression: str | None = None
    run_once_at: AwareDatetime | None = None

    @field_validator("run_once_at", mode="before")
    @classmethod
    def _rfc3339_string(cls, value: Any) -> Any:
        """An RFC 3339 string, not a number: pydantic alone reads numbers as Unix times."""
        if value is None or isinstance(value, (str, datetime)):
            return value
        raise PydanticCustomError("datetime_type", "Input should be an RFC 3339 date-time string")

    @field_validator("cron_expression")
    @classmethod
    def _parse_cron(cls, value: str | None) -> str | None:
        if value is not None:
            CronExpression.parse(value)
        return value

    @model_validator(mode="after")
    def _one_schedule(self) -> CreateTriggerRequest:
        if self.cron_expression is not None and self.run_once_at is not None:
            raise ValueError("give cron_expression or run_once_at, not both")
        return self


class TriggerPath(StrictModel):
    """The path parameters of a single-trigger route, validated on their own."""

    trigger_id: TriggerId
