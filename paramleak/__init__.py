"""paramleak: catch URL path parameters that reach request-body validation.

Public API:

- ``audit(app, *, target, headers, max_examples, seed, timeout) -> AppReport``: check every
  write route with path params; ``AppReport`` holds ``Finding``s and ``Unchecked`` routes.
  It raises ``NotArmed`` before ``arm()``, ``NoRoutes`` for an app that lists no routes and
  ``LifespanFailed`` when the app's startup fails.
- ``arm()``: switch on observation for models built from now on (call it before importing
  the app); ``PARAMLEAK_OBSERVE=1`` in the environment does the same at start-up.
- ``recording()``: a context manager that yields the list of ``Validation`` records made by
  pydantic while it is open, in this context and the threads it starts.
- ``Validation``: one call into a pydantic validator: which schema, its input, its outcome.

Observation goes through pydantic's plugin API (entry-point group ``pydantic``). Until
``arm()`` is called, the plugin leaves every validator untouched and costs nothing.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from paramleak._audit import LifespanFailed, NoRoutes, NotArmed, audit
    from paramleak._model import AppReport, Finding, ProbeRequest, Unchecked
    from paramleak._observe import Validation, arm, is_armed, recording

__all__ = [
    "AppReport",
    "Finding",
    "LifespanFailed",
    "NoRoutes",
    "NotArmed",
    "ProbeRequest",
    "Unchecked",
    "Validation",
    "arm",
    "audit",
    "is_armed",
    "recording",
]

# Imported on first use, so that ``import paramleak`` (the console script's first step, and
# pydantic's plugin loading) stays cheap: ``_audit`` pulls in pydantic and Starlette.
_HOMES = {
    "NotArmed": "paramleak._audit",
    "LifespanFailed": "paramleak._audit",
    "NoRoutes": "paramleak._audit",
    "audit": "paramleak._audit",
    "AppReport": "paramleak._model",
    "Finding": "paramleak._model",
    "ProbeRequest": "paramleak._model",
    "Unchecked": "paramleak._model",
    "Validation": "paramleak._observe",
    "arm": "paramleak._observe",
    "is_armed": "paramleak._observe",
    "recording": "paramleak._observe",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
