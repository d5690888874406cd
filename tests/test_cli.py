"""The ``paramleak`` command, three ways: ``main()`` in-process, the installed console script,
and ``python -m paramleak``. Subprocesses always get an explicit ``cwd``: targets import from
the current directory, as uvicorn's do."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import paramleak._audit
import repro
from paramleak._cli import main
from repro import FIXED, VARIANTS, variant
from tests.cli_support import ROOT, SCRIPT, Result, Run, one_line, run_process

RUN = "/v1/code/triggers/{trigger_id}/run"
SEED = "repro.handler_merge:app"
FAST = ("--max-examples", "5")
WAYS = ("in-process", "script", "module")


@pytest.fixture(params=WAYS)
def paramleak_cmd(request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str]) -> Run:
    """The command run one of three ways, from the repository root."""
    way: str = request.param

    def run(*args: str) -> Result:
        if way == "in-process":
            code = main(list(args))
            out, err = capsys.readouterr()
            return Result(code, out, err)
        return run_process(way, list(args))

    return run


@pytest.fixture
def in_process(capsys: pytest.CaptureFixture[str]) -> Run:
    def run(*args: str) -> Result:
        code = main(list(args))
        out, err = capsys.readouterr()
        return Result(code, out, err)

    return run


def test_the_console_script_is_installed() -> None:
    assert SCRIPT.is_file(), f"no console script at {SCRIPT}: reinstall with pip install -e ."


# -- verdicts ---------------------------------------------------------------------------------


def test_seed_exits_one_naming_param_route_and_curl(paramleak_cmd: Run) -> None:
    result = paramleak_cmd("audit", SEED, *FAST)

    assert result.code == 1, result.err
    assert result.err == ""
    assert "trigger_id" in result.out
    assert f"POST {RUN}" in result.out
    assert "rejected" in result.out
    assert "   curl -i -X POST http://localhost:8000/v1/code/triggers/" in result.out
    assert "1 finding, 0 unchecked, 1 route checked in 1 app" in result.out


def test_right_fix_exits_zero(in_process: Run) -> None:
    result = in_process("audit", "fixes.handler_merge.separate_path_model:app", *FAST)

    assert result.code == 0, result.out + result.err
    assert "0 findings, 0 unchecked, 1 route checked in 1 app" in result.out


def test_masking_fix_is_reported_masked(in_process: Run) -> None:
    result = in_process("audit", "fixes.handler_merge.extra_ignore:app", *FAST, "--format", "json")

    assert result.code == 1
    findings = json.loads(result.out)["findings"]
    assert [(f["param"], f["route"], f["kind"]) for f in findings] == [
        ("trigger_id", RUN, "masked")
    ]


def test_factory_builds_the_app(in_process: Run) -> None:
    result = in_process(
        "audit", "repro.handler_merge:create_app", "--factory", *FAST, "--format", "json"
    )

    assert result.code == 1, result.err
    data = json.loads(result.out)
    assert [app["target"] for app in data["apps"]] == ["repro.handler_merge:create_app"]
    assert [f["kind"] for f in data["findings"]] == ["rejected"]


def test_json_output_follows_the_contract(in_process: Run) -> None:
    result = in_process(
        "audit",
        SEED,
        "fixes.handler_merge.separate_path_model:app",
        *FAST,
        "--seed",
        "7",
        "--timeout",
        "5",
        "--format",
        "json",
    )

    assert result.code == 1
    data = json.loads(result.out)
    assert data["version"] == 1
    assert [(a["target"], a["routes_checked"]) for a in data["apps"]] == [
        (SEED, 1),
        ("fixes.handler_merge.separate_path_model:app", 1),
    ]
    assert data["unchecked"] == []
    [finding] = data["findings"]
    assert set(finding) >= {
        "app",
        "method",
        "route",
        "param",
        "kind",
        "status",
        "validator",
        "evidence",
        "handler",
        "source",
        "curl",
    }
    assert finding["app"] == SEED
    assert (finding["method"], finding["route"], finding["param"]) == ("POST", RUN, "trigger_id")
    assert (finding["kind"], finding["status"]) == ("rejected", 400)
    assert set(finding["source"]) == {"file", "line"}
    assert finding["curl"].startswith("curl -i -X POST http://localhost:8000/v1/code/triggers/")
    assert data["apps"][0]["findings"] == [finding]


def test_sarif_written_to_a_file(in_process: Run, tmp_path: Path) -> None:
    output = tmp_path / "paramleak.sarif"
    result = in_process("audit", SEED, *FAST, "--format", "sarif", "--output", str(output))

    assert result.code == 1, result.err
    assert (
        result.out
        == f"paramleak: wrote {output}: 1 finding, 0 unchecked, 1 route checked in 1 app\n"
    )
    log = json.loads(output.read_text())
    assert log["version"] == "2.1.0"
    [sarif_result] = log["runs"][0]["results"]
    assert (sarif_result["ruleId"], sarif_result["level"]) == ("PL001", "error")
    uri = sarif_result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "repro/handler_merge.py"
    assert [p.name for p in tmp_path.iterdir()] == ["paramleak.sarif"]  # no temporary file left


def test_table_written_to_a_file_is_plain_text(in_process: Run, tmp_path: Path) -> None:
    output = tmp_path / "report.txt"
    output.write_text("an older report\n")

    assert in_process("audit", SEED, *FAST, "--output", str(output)).code == 1
    text = output.read_text()
    assert "\x1b[" not in text
    assert f"POST {RUN}" in text
    assert text.rstrip().endswith("1 finding, 0 unchecked, 1 route checked in 1 app")


def test_a_failed_write_keeps_the_old_file_whole(
    in_process: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    output = tmp_path / "paramleak.json"
    output.write_text("previous\n")

    def refuse(source: str, destination: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    result = in_process("audit", SEED, *FAST, "--format", "json", "--output", str(output))

    assert result.code == 2
    assert one_line(result.err) == (
        f"paramleak: cannot write {str(output)!r}: OSError: [Errno 28] No space left on device"
    )
    assert output.read_text() == "previous\n"
    assert [p.name for p in tmp_path.iterdir()] == ["paramleak.json"]


GUARDED_APP = """
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, ValidationError


class RunBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str | None = None


app = FastAPI()


@app.post("/jobs/{job_id}/run")
async def run_job(request: Request) -> JSONResponse:
    if request.headers.get("x-token") != "s3cret":
        return JSONResponse({"detail": "unauthorized"}, status_code=401)
    raw = await request.body()
    body = await request.json() if raw else {}
    try:
        RunBody.model_validate({**request.path_params, **body})
    except ValidationError as error:
        return JSONResponse({"detail": str(error)}, status_code=400)
    return JSONResponse({"ran": request.path_params["job_id"]})
"""


@pytest.fixture
def guarded_app(tmp_path: Path) -> Path:
    """A leaking app behind a header check, in a directory of its own."""
    (tmp_path / "guarded_service.py").write_text(GUARDED_APP)
    return tmp_path


@pytest.mark.parametrize("way", ["script", "module"])
def test_header_reaches_the_app_imported_from_the_current_directory(
    guarded_app: Path, way: str
) -> None:
    args = ["audit", "guarded_service:app", *FAST, "--format", "json"]
    without = json.loads(run_process(way, args, cwd=guarded_app).out)
    with_header = run_process(way, [*args, "--header", "X-Token: s3cret"], cwd=guarded_app)

    # Without it, every probe is turned away, and the route is not counted clean.
    assert without["findings"] == []
    [unchecked] = without["unchecked"]
    assert unchecked["route"] == "/jobs/{job_id}/run"
    assert "401" in unchecked["reason"]
    assert with_header.code == 1, with_header.err
    data = json.loads(with_header.out)
    assert data["unchecked"] == []
    assert [(f["route"], f["param"], f["kind"]) for f in data["findings"]] == [
        ("/jobs/{job_id}/run", "job_id", "rejected")
    ]
    # The curl line names the header; the report never carries its value.
    assert "-H 'X-Token: " in data["findings"][0]["curl"]
    assert "s3cret" not in with_header.out


SLOW_APP = """
import asyncio

from fastapi import FastAPI

app = FastAPI()


@app.post("/jobs/{job_id}/run")
async def run_job(job_id: str) -> dict[str, str]:
    await asyncio.sleep(30)
    return {"ran": job_id}
"""


def test_a_route_that_times_out_is_unchecked_not_clean(
    in_process: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "slow_service.py").write_text(SLOW_APP)
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        result = in_process("audit", "slow_service:app", "--timeout", "0.2", "--format", "json")
    finally:
        sys.modules.pop("slow_service", None)

    assert result.code == 1
    data = json.loads(result.out)
    assert data["findings"] == []
    [unchecked] = data["unchecked"]
    assert unchecked["route"] == "/jobs/{job_id}/run"
    assert unchecked["reason"].startswith("timeout")


# -- usage errors: exit 2, one line, no traceback -----------------------------------------------

USAGE_ERRORS = {
    "unknown module": (
        ["audit", "nope.mod:app"],
        "paramleak: cannot import 'nope.mod': No module named 'nope'",
    ),
    "missing attribute": (
        ["audit", "repro.handler_merge:nope"],
        "paramleak: module 'repro.handler_merge' has no attribute 'nope'",
    ),
    "not an app": (
        ["audit", "repro:VARIANTS"],
        "paramleak: 'repro:VARIANTS' is not an ASGI app with routes (it is a tuple)",
    ),
    "factory without --factory": (
        ["audit", "repro.handler_merge:create_app"],
        "paramleak: 'repro.handler_merge:create_app' is not an ASGI app with routes "
        "(it is a function); if it returns the app, pass --factory",
    ),
    "app with --factory": (
        ["audit", SEED, "--factory"],
        "paramleak: 'repro.handler_merge:app' is an app, not a factory: drop --factory",
    ),
    "no colon": (
        ["audit", "repro.handler_merge"],
        "paramleak audit: error: argument TARGET: invalid target 'repro.handler_merge': "
        "expected MODULE:ATTR, e.g. 'myservice.main:app' (see 'paramleak audit --help')",
    ),
    "malformed header": (
        ["audit", SEED, "--header", "X-Token s3cret"],
        "paramleak audit: error: argument --header: invalid header 'X-Token s3cret': "
        "expected 'Name: value', e.g. 'Authorization: Bearer ...' (see 'paramleak audit --help')",
    ),
    "negative max-examples": (
        ["audit", SEED, "--max-examples", "-1"],
        "paramleak audit: error: argument --max-examples: expected a whole number >= 0, "
        "got '-1' (see 'paramleak audit --help')",
    ),
    "zero timeout": (
        ["audit", SEED, "--timeout", "0"],
        "paramleak audit: error: argument --timeout: expected a number of seconds > 0, "
        "got '0' (see 'paramleak audit --help')",
    ),
    "unknown format": (
        ["audit", SEED, "--format", "xml"],
        # The choices' quoting differs between Python versions: the message starts so.
        "paramleak audit: error: argument --format: invalid choice: 'xml' (choose from ",
    ),
    "missing output directory": (
        ["audit", SEED, "--output", "no/such/dir/report.json"],
        f"paramleak: cannot write 'no/such/dir/report.json': no directory "
        f"{str(ROOT / 'no/such/dir')!r}",
    ),
}


# What only a real process shows (an import failing at start-up) is checked there too.
IN_A_PROCESS_TOO = {"unknown module", "missing attribute", "not an app", "malformed header"}


@pytest.mark.parametrize(
    ("way", "args", "message"),
    [
        pytest.param(way, args, message, id=f"{way}-{name}")
        for name, (args, message) in USAGE_ERRORS.items()
        for way in ("in-process", "script")
        if way == "in-process" or name in IN_A_PROCESS_TOO
    ],
)
def test_usage_errors_exit_two_with_one_line(
    way: str, args: list[str], message: str, in_process: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    if way == "in-process":
        monkeypatch.chdir(ROOT)
        result = in_process(*args)
    else:
        result = run_process(way, args)

    assert result.code == 2
    assert result.out == ""
    assert one_line(result.err).startswith(message)


def test_target_that_raises_on_import_exits_two(tmp_path: Path) -> None:
    (tmp_path / "exploding.py").write_text("raise RuntimeError('no database\\nconfigured')\n")
    result = run_process("script", ["audit", "exploding:app"], cwd=tmp_path)

    assert result.code == 2
    assert one_line(result.err) == (
        "paramleak: cannot import 'exploding': RuntimeError: no database configured"
    )


def test_an_audit_that_raises_on_a_route_reports_it_unchecked(
    in_process: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    def exploding(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("probe exploded")

    monkeypatch.setattr(paramleak._audit, "check_routes", exploding)
    result = in_process("audit", SEED, *FAST, "--format", "json")

    assert result.code == 1
    assert result.err == ""
    assert json.loads(result.out)["unchecked"] == [
        {
            "app": SEED,
            "method": "POST",
            "route": RUN,
            "reason": "the audit raised RuntimeError: probe exploded",
        }
    ]


@pytest.fixture
def unlistable_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """An ASGI-looking object whose routes cannot be listed."""
    (tmp_path / "unlistable_service.py").write_text(
        textwrap.dedent(
            """
            class App:
                @property
                def routes(self):
                    raise LookupError("routes are loaded lazily")

                async def __call__(self, scope, receive, send):
                    pass

            app = App()
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "unlistable_service:app"
    sys.modules.pop("unlistable_service", None)


def test_an_audit_that_cannot_start_exits_two(in_process: Run, unlistable_app: str) -> None:
    result = in_process("audit", unlistable_app)

    assert result.code == 2
    assert one_line(result.err) == (
        "paramleak: auditing 'unlistable_service:app' failed: LookupError: routes are loaded lazily"
    )


# -- no arguments: the bundled variants --------------------------------------------------------


def test_no_arguments_audits_every_bundled_variant() -> None:
    result = run_process("script", [])

    assert result.code == 0, result.err
    assert result.err == ""
    lines = [line.split() for line in result.out.splitlines() if line.startswith("│ ")]
    rows = {words[1]: " ".join(words) for words in lines if words[1] != "│"}
    assert set(rows) == {v.name for v in VARIANTS}
    for name, line in rows.items():
        assert line.endswith("│ ok │"), name
    assert "MISMATCH" not in result.out
    masked_override = rows["handler_merge/wrong_path_as_body_field"]
    assert masked_override.count("masked + override") == 2


def test_no_arguments_exits_one_when_a_verdict_contradicts_the_registry(
    in_process: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed = variant("handler_merge")
    monkeypatch.setattr(repro, "VARIANTS", (dataclasses.replace(seed, expect=FIXED),))
    result = in_process()

    assert result.code == 1
    assert "MISMATCH" in result.out
    assert result.err == "MISMATCH handler_merge: declared clean, the audit found rejected\n"


def test_no_arguments_outside_a_checkout_exits_two(tmp_path: Path) -> None:
    result = run_process("script", [], cwd=tmp_path)

    assert result.code == 2
    err = one_line(result.err)
    assert err.startswith("paramleak: no TARGET given, and the bundled variants (package 'repro')")
    assert "checkout" in err


# -- help, fast ---------------------------------------------------------------------------------


def test_help_exits_zero(paramleak_cmd: Run) -> None:
    result = paramleak_cmd("--help")

    assert result.code == 0
    assert result.out.startswith("usage: paramleak")
    assert "paramleak audit MODULE:ATTR" in result.out


def test_audit_help_exits_zero(in_process: Run) -> None:
    result = in_process("audit", "--help")

    assert result.code == 0
    for option in ("--factory", "--header", "--max-examples", "--format", "--output"):
        assert option in result.out


def test_help_imports_nothing_heavy() -> None:
    code = textwrap.dedent(
        """
        import contextlib, io, sys
        from paramleak._cli import main
        with contextlib.redirect_stdout(io.StringIO()):
            assert main(["--help"]) == 0
        heavy = ("fastapi", "pydantic", "hypothesis", "rich", "httpx", "starlette")
        print(sorted(name for name in heavy if name in sys.modules))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout == "[]\n"


def test_an_audit_settled_by_its_probes_never_imports_hypothesis() -> None:
    """The seed's leak is found by the deterministic probes: no search, so no Hypothesis."""
    code = textwrap.dedent(
        """
        import contextlib, io, sys
        from paramleak._cli import main
        with contextlib.redirect_stdout(io.StringIO()):
            code = main(["audit", "repro.handler_merge:app"])
        print(code, "hypothesis" in sys.modules)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout == "1 False\n"


def test_version(in_process: Run) -> None:
    from importlib.metadata import version

    result = in_process("--version")

    assert result.code == 0
    assert result.out == f"paramleak {version('paramleak')}\n"
