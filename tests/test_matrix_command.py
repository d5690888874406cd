"""``python -m repro``: the live matrix, and its exit code when reality and registry differ."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

import repro.matrix
from repro import FIXED, VARIANTS
from repro.__main__ import main

ROOT = Path(__file__).resolve().parents[1]


def test_main_command_runs_every_variant_and_exits_zero() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "repro"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    for variant in VARIANTS:
        assert variant.name in result.stdout
    assert "MISMATCH" not in result.stdout
    assert result.stderr == ""


def test_main_command_exits_one_naming_a_declaration_reality_contradicts(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seed = VARIANTS[0]
    claimed_fixed = dataclasses.replace(seed, expect=FIXED)
    monkeypatch.setattr(repro.matrix, "VARIANTS", (claimed_fixed,))

    assert main([]) == 1
    out, err = capsys.readouterr()
    assert "MISMATCH" in out
    assert err == f"MISMATCH {seed.name}: rejects_valid_run, path_reaches_body_validation\n"


def test_markdown_prints_the_readme_matrix(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--markdown"]) == 0
    assert capsys.readouterr().out == repro.matrix.markdown() + "\n"
