"""The matrix: every registered variant run live, each property declared beside observed."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from repro import PROPERTIES, VARIANTS, Variant
from repro.client import OMITTED, Client
from repro.probes import (
    ProbeError,
    UnexpectedResponse,
    body_overrides_path,
    json_field,
    path_reaches_body_validation,
    rejects_valid_run,
    unknown_body_field,
)

MISSPELLED_NOTE = "nte"
COLUMNS = {
    "rejects_valid_run": "seed 400",
    "path_reaches_body_validation": "path in body validation",
    "unknown_body_field": "unknown body field",
    "body_overrides_path": "body picks trigger",
}


UNEXPECTED = "unexpected"


@dataclass(frozen=True)
class Row:
    variant: Variant
    observed: dict[str, Any]
    problems: list[str]

    @property
    def mismatches(self) -> list[str]:
        expect: dict[str, Any] = dict(self.variant.expect)
        return [p for p in PROPERTIES if self.observed[p] != expect[p]]


def observe(variant: Variant) -> Row:
    """Run one fresh app of ``variant`` through every probe, with the seed's requests.

    A probe that meets a response fitting none of its outcomes records ``"unexpected"``
    and the reason, so one odd variant never hides the rest of the matrix.
    """
    with Client(variant.create_app()) as client:
        try:
            first, second = _create(client, "nightly"), _create(client, "weekly")
        except ProbeError as error:
            return Row(variant, dict.fromkeys(PROPERTIES, UNEXPECTED), [f"create: {error}"])
        probes: dict[str, Callable[[], Any]] = {
            "rejects_valid_run": lambda: _same_for_omitted_and_empty(client, first),
            "path_reaches_body_validation": lambda: path_reaches_body_validation(
                client, first, f"note-{uuid.uuid4().hex}"
            ),
            "unknown_body_field": lambda: unknown_body_field(
                client, first, MISSPELLED_NOTE, "deploy"
            ),
            "body_overrides_path": lambda: body_overrides_path(client, first, second),
        }
        observed: dict[str, Any] = {}
        problems = []
        for prop, probe in probes.items():
            try:
                observed[prop] = probe()
            except ProbeError as error:
                observed[prop] = UNEXPECTED
                problems.append(f"{prop}: {error}")
    return Row(variant, observed, problems)


def _same_for_omitted_and_empty(client: Client, trigger_id: str) -> bool:
    omitted = rejects_valid_run(client, trigger_id, OMITTED)
    if rejects_valid_run(client, trigger_id, {}) != omitted:
        raise ProbeError("body omitted and {} were answered differently")
    return omitted


def markdown() -> str:
    """The README's matrix: the registry's declarations, one row per variant."""
    header = ["variant", "kind", *COLUMNS.values(), "what it is"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for variant in VARIANTS:
        path = variant.module.replace(".", "/") + ".py"
        cells = [f"[`{variant.name}`]({path})", variant.kind]
        expect: dict[str, Any] = dict(variant.expect)
        cells += [cell(expect[p]) for p in PROPERTIES]
        cells.append(variant.summary)
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def cell(value: object) -> str:
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return str(value)


def _create(client: Client, name: str) -> str:
    response = client.request("POST", "/v1/code/triggers", {"name": name})
    trigger_id = json_field(response, "id") if response.status_code == 201 else None
    if not isinstance(trigger_id, str):
        raise UnexpectedResponse("creating a trigger failed", response)
    return trigger_id
