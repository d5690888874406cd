"""Hypothesis strategies for the routines API: issued trigger ids, valid and odd bodies."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from repro.client import OMITTED, Body
from repro.probes import PATH_PARAM
from repro.routines.models import RunRequest
from repro.routines.store import TRIGGER_ID_ALPHABET, TRIGGER_ID_LENGTH, TRIGGER_ID_PREFIX

# The report gives no trigger id; this one has the form the API issues.
EXAMPLE_TRIGGER_ID = "trg_01HZX4QK7V2M9S8TB3NCRW6Y"

_NOTE_MAX = 200  # RunRequest.note's max_length


def trigger_ids() -> st.SearchStrategy[str]:
    """Any id the API can issue: ``trg_`` and 24 base-62 characters."""
    suffixes = st.text(TRIGGER_ID_ALPHABET, min_size=TRIGGER_ID_LENGTH, max_size=TRIGGER_ID_LENGTH)
    return suffixes.map(lambda suffix: TRIGGER_ID_PREFIX + suffix)


def notes(min_size: int = 0) -> st.SearchStrategy[str]:
    return st.text(min_size=min_size, max_size=_NOTE_MAX)


@st.composite
def _run_bodies(draw: st.DrawFn) -> Body:
    shape = draw(st.sampled_from(["omitted", "empty", "note"]))
    if shape == "omitted":
        return OMITTED
    if shape == "empty":
        return {}
    return {"note": draw(st.none() | notes())}


def run_bodies() -> st.SearchStrategy[Body]:
    """Every valid body of a run: omitted, ``{}``, or with an optional note."""
    return _run_bodies()


def undeclared_fields() -> st.SearchStrategy[str]:
    """JSON keys the run model does not declare (the path param's name left to P4)."""
    declared = {*RunRequest.model_fields, PATH_PARAM}
    return st.text(min_size=0, max_size=40).filter(lambda key: key not in declared)


def json_values() -> st.SearchStrategy[Any]:
    scalars = (
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=False, allow_infinity=False)
        | st.text(max_size=20)
    )
    return st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
        ),
        max_leaves=6,
    )
