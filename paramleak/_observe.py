"""A pydantic plugin that records what reaches validation, while a recording is open."""

from __future__ import annotations

import itertools
import json
import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic_core import ValidationError

Outcome = Literal["pending", "valid", "invalid", "raised"]

_armed = os.environ.get("PARAMLEAK_OBSERVE") == "1"
_recording: ContextVar[list[Validation] | None] = ContextVar("paramleak_recording", default=None)
_open = threading.local()
_validator_ids = itertools.count(1)


@dataclass
class Validation:
    """One call into a validator. ``input`` is a snapshot: mappings copied, JSON parsed."""

    schema: str
    schema_kind: str
    input: Any
    schema_type: Any = field(default=None, repr=False, compare=False)
    # Which validator: two validators of one type (a model, and FastAPI's adapter of it)
    # share a ``schema`` name but not this.
    validator: int = field(default=0, repr=False, compare=False)
    outcome: Outcome = "pending"
    errors: list[dict[str, Any]] = field(default_factory=list)
    result: Any = None


def arm() -> None:
    """Observe every pydantic validator built after this call."""
    global _armed
    _armed = True


def is_armed() -> bool:
    return _armed


@contextmanager
def recording() -> Iterator[list[Validation]]:
    """Collect the validations made while the block runs (its context and worker threads)."""
    records: list[Validation] = []
    token = _recording.set(records)
    try:
        yield records
    finally:
        _recording.reset(token)


def _snapshot(value: Any) -> Any:
    if isinstance(value, Mapping):
        return dict(value)
    return value


class _Handler:
    def __init__(
        self, schema: str, schema_kind: str, source: str, schema_type: Any, validator: int
    ) -> None:
        self.schema = schema
        self.schema_kind = schema_kind
        self.source = source
        self.schema_type = schema_type
        self.validator = validator

    def on_enter(self, input: Any, **kwargs: Any) -> None:
        records = _recording.get()
        stack: list[Validation | None] = _stack()
        if records is None:
            stack.append(None)
            return
        if self.source == "json":
            with suppress(ValueError, TypeError, RecursionError):
                input = json.loads(input)
        record = Validation(
            self.schema, self.schema_kind, _snapshot(input), self.schema_type, self.validator
        )
        records.append(record)
        stack.append(record)

    def on_success(self, result: Any) -> None:
        record = _stack().pop()
        if record is not None:
            record.outcome = "valid"
            record.result = result

    def on_error(self, error: ValidationError) -> None:
        record = _stack().pop()
        if record is not None:
            record.outcome = "invalid"
            record.errors = [
                {"type": e["type"], "loc": e["loc"], "msg": e["msg"]} for e in error.errors()
            ]

    def on_exception(self, exception: Exception) -> None:
        record = _stack().pop()
        if record is not None:
            record.outcome = "raised"


def _stack() -> list[Validation | None]:
    stack: list[Validation | None] | None = getattr(_open, "stack", None)
    if stack is None:
        stack = _open.stack = []
    return stack


class _Plugin:
    """Registered under the ``pydantic`` entry-point group as ``paramleak``."""

    def new_schema_validator(
        self,
        schema: Any,
        schema_type: Any,
        schema_type_path: Any,
        schema_kind: str,
        config: Any,
        plugin_settings: Any,
    ) -> tuple[_Handler | None, _Handler | None, None]:
        if not _armed:
            return None, None, None
        name = _readable(schema_type, f"{schema_type_path.module}.{schema_type_path.name}")
        validator = next(_validator_ids)
        return (
            _Handler(name, schema_kind, "python", schema_type, validator),
            _Handler(name, schema_kind, "json", schema_type, validator),
            None,
        )


def _readable(schema_type: Any, fallback: str) -> str:
    """``pkg.Model``, or the type a FastAPI field validates (``pkg.Model | None``, ``int``),
    without the ``Annotated[..., FieldInfo(...)]`` wrapping FastAPI adds."""
    if get_origin(schema_type) is Annotated:
        schema_type = get_args(schema_type)[0]
    if isinstance(schema_type, type):
        if schema_type.__module__ == "builtins":
            return schema_type.__qualname__
        return f"{schema_type.__module__}.{schema_type.__qualname__}"
    text = repr(schema_type)
    return text.replace("typing.", "") if len(text) < 200 else fallback


plugin = _Plugin()
