"""The matrix: every registered variant run live, each property declared beside observed."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from repro import PROPERTIES, VARIANTS, Variant
from repro.client import OMITTED, Client
from repro.probes import (
    body_overrides_path,
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


@dataclass(frozen=True)
class Row:
    variant: Variant
    observed: dict[str, Any]

    @property
    def mismatches(self) -> list[str]:
        return [p for p in PROPERTIES if self.observed[p] != self.variant.expect[p]]  # type: ignore[literal-required]


def observe(variant: Variant) -> Row:
    """Run one fresh app of ``variant`` through every probe, with the seed's requests."""
    with Client(variant.create_app()) as client:
        first, second = (_create(client, name) for name in ("nightly", "weekly"))
        omitted = rejects_valid_run(client, first, OMITTED)
        empty = rejects_valid_run(client, first, {})
        observed: dict[str, Any] = {
            "rejects_valid_run": omitted if omitted == empty else "omitted != {}",
            "path_reaches_body_validation": path_reaches_body_validation(
                client, first, f"note-{uuid.uuid4().hex}"
            ),
            "unknown_body_field": unknown_body_field(client, first, MISSPELLED_NOTE, "deploy"),
            "body_overrides_path": body_overrides_path(client, first, second),
        }
    return Row(variant, observed)


def observe_all() -> list[Row]:
    return [observe(variant) for variant in VARIANTS]


def markdown() -> str:
    """The README's matrix: the registry's declarations, one row per variant."""
    header = ["variant", "kind", *COLUMNS.values(), "what it is"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for variant in VARIANTS:
        path = variant.module.replace(".", "/") + ".py"
        cells = [f"[`{variant.name}`]({path})", variant.kind]
        cells += [cell(variant.expect[p]) for p in PROPERTIES]  # type: ignore[literal-required]
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
    response.raise_for_status()
    trigger_id: str = response.json()["id"]
    return trigger_id
