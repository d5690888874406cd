"""``python -m repro``: the live matrix, and its exit code when reality and registry differ."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from fastapi import Request, Response
from fastapi.responses import PlainTextResponse

import repro.__main__
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
    monkeypatch.setattr(repro.__main__, "VARIANTS", (claimed_fixed,))

    assert main([]) == 1
    out, err = capsys.readouterr()
    assert "MISMATCH" in out
    assert err == f"MISMATCH {seed.name}: rejects_valid_run, path_reaches_body_validation\n"


def test_markdown_prints_the_readme_matrix(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--markdown"]) == 0
    assert capsys.readouterr().out == repro.matrix.markdown() + "\n"


def test_main_command_runs_only_the_variants_named(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["handler_merge/separate_path_model"]) == 0
    out = capsys.readouterr().out
    assert "handler_merge/separate_path_model" in out
    assert "dispatcher_merge" not in out


def test_main_command_refuses_an_unknown_variant_with_exit_two(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["handler_merge/typo"])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "unknown variant handler_merge/typo; known: handler_merge, " in err


@pytest.mark.parametrize(
    ("broken_path", "problem"),
    [
        ("/run", "rejects_valid_run: a valid run neither ran nor got the seed's 400: POST"),
        ("/triggers", "create: creating a trigger failed: POST /v1/code/triggers answered 418"),
    ],
    ids=["run", "create"],
)
def test_main_command_reports_a_variant_answering_outside_every_outcome(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    broken_path: str,
    problem: str,
) -> None:
    seed = VARIANTS[0]
    app = seed.create_app()

    @app.middleware("http")
    async def teapot(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        if request.method == "POST" and request.url.path.endswith(broken_path):
            return PlainTextResponse("no", status_code=418)
        return await call_next(request)

    monkeypatch.setattr(repro.__main__, "VARIANTS", (seed,))
    monkeypatch.setattr(type(seed), "create_app", lambda self: app)

    assert main([]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"MISMATCH {seed.name}: ")
    assert problem in err
    assert "answered 418 b'no'" in err
