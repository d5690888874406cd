"""paramleak: catch URL path parameters that reach request-body validation.

Public API:

- ``arm()``: switch on observation for models built from now on (call it before importing
  the app); ``PARAMLEAK_OBSERVE=1`` in the environment does the same at start-up.
- ``recording()``: a context manager that yields the list of ``Validation`` records made by
  pydantic while it is open, in this context and the threads it starts.
- ``Validation``: one call into a pydantic validator: which schema, its input, its outcome.

Observation goes through pydantic's plugin API (entry-point group ``pydantic``). Until
``arm()`` is called, the plugin leaves every validator untouched and costs nothing.
"""

from paramleak._audit import NotArmed, audit
from paramleak._model import AppReport, Finding, ProbeRequest, Unchecked
from paramleak._observe import Validation, arm, is_armed, recording

__all__ = [
    "AppReport",
    "Finding",
    "NotArmed",
    "ProbeRequest",
    "Unchecked",
    "Validation",
    "arm",
    "audit",
    "is_armed",
    "recording",
]
