"""Shared set-up: the validation observer, Hypothesis profiles, the per-variant client."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import settings

import paramleak
from repro import Variant
from repro.client import Client

# Arm before any variant module is imported (the imports above load no variant): the P2
# tests read what reaches validation, and only validators built after this are observed.
paramleak.arm()

# Where it sees a CI variable (CI, GITHUB_ACTIONS, ...) Hypothesis loads its own `ci` profile,
# derandomized and without an example database, and a new profile inherits from it: `default`
# and `thorough` start from Hypothesis's defaults instead, so they stay random and keep their
# example database on CI too.
HYPOTHESIS_DEFAULTS = settings.get_profile("default")
# Fast enough to run on every save.
settings.register_profile("default", HYPOTHESIS_DEFAULTS, max_examples=20, deadline=None)
# What CI runs: reproducible, and a failure prints the blob that replays it.
settings.register_profile("ci", max_examples=60, derandomize=True, print_blob=True, deadline=None)
# Before a release, or after touching a variant: thousands of examples per property.
settings.register_profile("thorough", HYPOTHESIS_DEFAULTS, max_examples=2500, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture
def client(variant: Variant) -> Iterator[Client]:
    """A client on a fresh app of the test's ``variant``, shared by its Hypothesis examples."""
    with Client(variant.create_app()) as client:
        yield client
