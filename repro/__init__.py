"""The registry: every variant of the routines service, and what each must show.

``VARIANTS`` is the one place a variant is declared. The tests, ``python -m repro`` and the
README's matrix all read it. Importing this package imports no app: each record names its
module, and ``Variant.load()`` imports it.

Each record's ``expect`` declares, per property:

- ``rejects_valid_run``: a valid run (body omitted or ``{}``) gets the seed's 400;
- ``path_reaches_body_validation``: a path value ends up in the input the body model
  validates, whether or not it is then rejected;
- ``unknown_body_field``: what a run whose body has an undeclared field gets,
  ``"rejected"`` or ``"dropped"``;
- ``body_overrides_path``: a body field named like the path param changes which trigger
  runs.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, TypedDict

if TYPE_CHECKING:
    from types import ModuleType

    from fastapi import FastAPI

Kind = Literal["bug", "fix", "wrong-fix"]


class Expect(TypedDict):
    rejects_valid_run: bool
    path_reaches_body_validation: bool
    unknown_body_field: Literal["rejected", "dropped"]
    body_overrides_path: bool


PROPERTIES = tuple(Expect.__annotations__)

# The four outcomes the variants fall into.
SEED_FAILURE = Expect(
    rejects_valid_run=True,
    path_reaches_body_validation=True,
    unknown_body_field="rejected",
    body_overrides_path=False,
)
FIXED = Expect(
    rejects_valid_run=False,
    path_reaches_body_validation=False,
    unknown_body_field="rejected",
    body_overrides_path=False,
)
MASKED = Expect(
    rejects_valid_run=False,
    path_reaches_body_validation=True,
    unknown_body_field="dropped",
    body_overrides_path=False,
)
MASS_ASSIGNMENT = Expect(
    rejects_valid_run=False,
    path_reaches_body_validation=True,
    unknown_body_field="rejected",
    body_overrides_path=True,
)


@dataclass(frozen=True)
class Variant:
    name: str
    module: str
    kind: Kind
    mechanism: str
    expect: Expect
    summary: str

    def load(self) -> ModuleType:
        return importlib.import_module(self.module)

    def create_app(self) -> FastAPI:
        """A fresh app of this variant, with an empty store and the system clock."""
        app: FastAPI = self.load().create_app()
        return app


def _bug(mechanism: str, summary: str) -> Variant:
    return Variant(mechanism, f"repro.{mechanism}", "bug", mechanism, SEED_FAILURE, summary)


def _fix(mechanism: str, fix: str, kind: Kind, expect: Expect, summary: str) -> Variant:
    module = f"fixes.{mechanism}.{fix}"
    return Variant(f"{mechanism}/{fix}", module, kind, mechanism, expect, summary)


def _pair(mechanism: str) -> tuple[Variant, Variant]:
    """The two fixes every mechanism gets: the right one and the masking one."""
    return (
        _fix(mechanism, "separate_path_model", "fix", FIXED, "path and body validated apart"),
        _fix(mechanism, "extra_ignore", "fix", MASKED, "body model ignores extra keys"),
    )


VARIANTS: tuple[Variant, ...] = (
    _bug("handler_merge", "handler validates {**path_params, **body} (the seed)"),
    *_pair("handler_merge"),
    _fix(
        "handler_merge",
        "wrong_nested_config",
        "wrong-fix",
        SEED_FAILURE,
        "the seed page's nested `class Config`: forbid stays",
    ),
    _fix(
        "handler_merge",
        "wrong_path_as_body_field",
        "wrong-fix",
        MASS_ASSIGNMENT,
        "trigger_id declared in the body model: the body picks the trigger",
    ),
    _bug("dependency_merge", "shared dependency builds every model from path + body"),
    *_pair("dependency_merge"),
    _bug("dispatcher_merge", "action table validates path + query + body together"),
    *_pair("dispatcher_merge"),
    _bug("route_rewrite", "custom APIRoute copies path params into the JSON body"),
    *_pair("route_rewrite"),
)


def variant(name: str) -> Variant:
    """The registered variant called ``name``."""
    for candidate in VARIANTS:
        if candidate.name == name:
            return candidate
    raise KeyError(f"no variant {name!r}; known: {', '.join(v.name for v in VARIANTS)}")


__all__ = ["PROPERTIES", "VARIANTS", "Expect", "Kind", "Variant", "variant"]
