"""Schemathesis hooks and checks for ``python -m external``: loaded by ``schemathesis run``.

``SCHEMATHESIS_HOOKS=external.hooks`` makes the Schemathesis CLI import this module, which
registers (through Schemathesis's own ``hook`` and ``check``):

- ``before_load_schema``: completes the spec FastAPI generates where a variant reads its
  input itself (a path parameter it does not declare, a body it parses raw), from the
  service's own models, and names the triggers the driver created as examples of
  ``trigger_id``, so that generated requests reach existing triggers too;
- ``before_call`` / ``after_call``: a snapshot of ``GET /v1/code/triggers`` before each
  request and, for a response >= 400, one after; every response is tallied and the tally
  written to the file named by ``TALLY_ENV``;
- the checks ``error_envelope`` (every error exactly in the envelope, every response with a
  request id) and ``store_unchanged_on_rejection``.

Schemathesis is imported by name, at run time: nothing else in the project needs it.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from external._spec import complete_schema
from external._tally import (
    BASE_URL_ENV,
    TALLY_ENV,
    TRIGGER_IDS_ENV,
    Snapshot,
    Tally,
    response_problem,
    snapshot_of,
    state_changes,
)
from repro.routines.app import TRIGGERS

schemathesis: Any = importlib.import_module("schemathesis")

_base_url = os.environ.get(BASE_URL_ENV, "").rstrip("/")
_tally_path = Path(os.environ[TALLY_ENV]) if os.environ.get(TALLY_ENV) else None
_trigger_ids = [tid for tid in os.environ.get(TRIGGER_IDS_ENV, "").split(",") if tid]
_tally = Tally()
_before: dict[int, Snapshot] = {}
"""Each case's snapshot of the store, taken just before it is sent."""
_changes: dict[int, list[str]] = {}
"""What each rejected case changed in the store, for ``store_unchanged_on_rejection``."""


def _snapshot() -> Snapshot:
    return snapshot_of(httpx.get(_base_url + TRIGGERS, timeout=10).json())


def _label(method: str | None, url: str | None) -> str:
    parts = urlsplit(url or "")
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    return f"{method} {target[:200]}"


def before_load_schema(context: Any, raw_schema: dict[str, Any]) -> None:
    complete_schema(raw_schema, _trigger_ids)


def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    _before[id(case)] = _snapshot()


def _problem(response: Any) -> str | None:
    headers = {name: values[0] for name, values in response.headers.items() if values}
    method: str = response.request.method or ""
    return response_problem(method, response.status_code, headers, response.content)


def after_call(context: Any, case: Any, response: Any) -> None:
    before = _before.pop(id(case), None)
    status: int = response.status_code
    changes = state_changes(before, _snapshot()) if status >= 400 and before is not None else []
    _changes[id(case)] = changes
    method = response.request.method
    problem = _problem(response)
    _tally.record(_label(method, response.request.url), status, problem, changes)
    if _tally_path is not None:
        _tally.write(_tally_path)


def after_network_error(context: Any, case: Any, request: Any) -> None:
    _before.pop(id(case), None)
    _tally.record_network_error(_label(request.method, request.url))
    if _tally_path is not None:
        _tally.write(_tally_path)


def error_envelope(ctx: Any, response: Any, case: Any) -> bool:
    """Every error exactly in the seed's envelope; every response with a request id."""
    problem = _problem(response)
    if problem is not None:
        raise AssertionError(problem)
    return True


def store_unchanged_on_rejection(ctx: Any, response: Any, case: Any) -> bool:
    """A response >= 400 left the store as it was (the scheduler's own firings aside)."""
    changes = _changes.pop(id(case), [])
    if response.status_code >= 400 and changes:
        raise AssertionError(f"{response.status_code} but the store changed: {'; '.join(changes)}")
    return True


for _hook in (before_load_schema, before_call, after_call, after_network_error):
    schemathesis.hook(_hook)
for _check in (error_envelope, store_unchanged_on_rejection):
    schemathesis.check(_check)
