"""The registry is the single source: complete, paired, importable, and what the README shows."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI

from repro import PROPERTIES, VARIANTS, Variant
from repro.matrix import markdown
from tests.support import variants

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("variant", variants())
def test_variant_module_serves_an_app_and_makes_fresh_ones(variant: Variant) -> None:
    module = variant.load()
    assert isinstance(module.app, FastAPI)
    first, second = variant.create_app(), variant.create_app()
    assert first.state.store is not second.state.store


@pytest.mark.parametrize("variant", variants())
def test_variant_lives_where_its_kind_and_mechanism_say(variant: Variant) -> None:
    if variant.kind == "bug":
        assert variant.module == f"repro.{variant.mechanism}"
        assert variant.name == variant.mechanism
    else:
        package, mechanism, fix = variant.module.split(".")
        assert (package, mechanism) == ("fixes", variant.mechanism)
        assert variant.name == f"{mechanism}/{fix}"
        assert fix.startswith("wrong_") == (variant.kind == "wrong-fix")


@pytest.mark.parametrize("variant", variants())
def test_variant_declares_every_property_once(variant: Variant) -> None:
    assert tuple(variant.expect) == PROPERTIES


def test_names_and_modules_are_unique() -> None:
    assert len({v.name for v in VARIANTS}) == len({v.module for v in VARIANTS}) == len(VARIANTS)


def test_every_mechanism_has_one_bug_and_both_fixes() -> None:
    mechanisms = {v.mechanism for v in VARIANTS}
    for mechanism in mechanisms:
        names = {v.name for v in VARIANTS if v.mechanism == mechanism}
        assert {
            mechanism,
            f"{mechanism}/separate_path_model",
            f"{mechanism}/extra_ignore",
        } <= names
    assert {v.mechanism for v in VARIANTS if v.kind == "bug"} == mechanisms


def test_every_variant_file_in_the_tree_is_registered() -> None:
    registered = {v.module for v in VARIANTS}
    fix_files = {
        ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for path in (ROOT / "fixes").rglob("*.py")
        if path.name != "__init__.py"
    }
    bug_files = {
        f"repro.{path.stem}"
        for path in (ROOT / "repro").glob("*.py")
        if "app = create_app()" in path.read_text(encoding="utf-8")
    }
    assert fix_files | bug_files == registered


def test_readme_matrix_is_the_registry() -> None:
    assert markdown() in (ROOT / "README.md").read_text(encoding="utf-8")
