"""Time to first detection of the seed bug: paramleak against Schemathesis, in one process
(row 4) and as whole command-line processes (row 5)."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from bench import ROOT
from bench._asgi import Counting
from bench._core import (
    INSTALL_HINT,
    Goal,
    Measure,
    Rounds,
    Row,
    Settings,
    Unexpected,
    arm,
    failed,
    run_timed,
    span,
)
from bench._profile import profiled_audit, profiled_process
from external._cli import free_port

CHECK = "positive_data_acceptance"
SEED_TARGET = "repro.handler_merge:app"


def schemathesis_installed() -> bool:
    return importlib.util.find_spec("schemathesis") is not None


def _seed() -> Any:
    arm()
    from bench._targets import seed_app

    return seed_app()


def paramleak_in_process() -> tuple[float, int]:
    """``paramleak.audit`` of a fresh seed app: seconds until it returns its finding, and
    the requests it sent."""
    import paramleak

    app = Counting(_seed())
    started = time.perf_counter()
    report = paramleak.audit(app)
    elapsed = time.perf_counter() - started
    if not report.findings:
        raise Unexpected("paramleak.audit found nothing in the seed app")
    return elapsed, app.count


def schemathesis_in_process() -> tuple[float, int, list[str]]:
    """Schemathesis's engine (what ``schemathesis run`` drives) on a fresh seed app through
    its ASGI client, with the one check ``positive_data_acceptance``, every operation in
    its own order and phases: seconds until it fails the run operation, the requests sent
    by then, and the operations it failed before that."""
    import schemathesis
    from schemathesis.config import SchemathesisConfig
    from schemathesis.engine import Status, events, from_schema

    from bench._targets import RUN_LABEL

    app = Counting(_seed())
    started = time.perf_counter()
    config = SchemathesisConfig()
    project = config.projects.override
    project.checks.update(included_check_names=[CHECK])
    project.generation.update(database="none")
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=config)
    stream = from_schema(schema).execute()
    before: list[str] = []
    found: tuple[float, int] | None = None
    try:
        for event in stream:
            if isinstance(event, events.ScenarioFinished) and event.status == Status.FAILURE:
                if event.label == RUN_LABEL:
                    found = (time.perf_counter() - started, app.count)
                    stream.stop()
                    break
                before.append(f"{event.label} ({event.phase.value})")
    finally:
        if found is not None:
            for _ in stream:  # to its end, untimed
                pass
        _shutdown_schemathesis_lifespans()
    if found is None:
        raise Unexpected("Schemathesis never failed the run operation")
    return found[0], found[1], before


def _shutdown_schemathesis_lifespans() -> None:
    """Schemathesis keeps each app's lifespan running for the rest of the process."""
    from schemathesis.python import asgi

    shutdown = getattr(asgi, "shutdown_lifespans", None)
    if shutdown is not None:
        shutdown()


def detection_rows(settings: Settings) -> list[Row]:
    key, name = "detection", "time to first detection, in process"
    if not schemathesis_installed():
        return [failed(key, name, f"schemathesis {INSTALL_HINT}")]
    requests: dict[str, list[int]] = {"paramleak": [], "schemathesis": []}
    failed_first: list[str] = []

    def ours() -> float:
        elapsed, sent = paramleak_in_process()
        requests["paramleak"].append(sent)
        return elapsed

    def theirs() -> float:
        elapsed, sent, before = schemathesis_in_process()
        requests["schemathesis"].append(sent)
        failed_first.extend(before)
        return elapsed

    measured = Rounds.run(settings.rounds_for(7), {"paramleak": ours, "schemathesis": theirs})
    ours_sent, theirs_sent = requests["paramleak"][-1], span(requests["schemathesis"])
    note = f"requests: paramleak {ours_sent}, Schemathesis {theirs_sent}"
    if failed_first:
        note += f"; Schemathesis failed first: {', '.join(sorted(set(failed_first)))}"
    return [
        Row(
            key=key,
            name=name,
            measured="paramleak.audit(seed app) until it returns the finding",
            baseline_name=f"Schemathesis engine, from_asgi, check {CHECK}, until it fails "
            "the run operation",
            values=measured["paramleak"],
            baselines=measured["schemathesis"],
            goal=Goal(20.0, at_most=False, text="≥ 20\u00d7 faster"),
            speedup=True,
            note=note,
        )
    ]


@contextmanager
def served() -> Iterator[str]:
    """The seed app (complete OpenAPI) under uvicorn on a free port: its base URL."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "bench._targets:seed_app", "--factory"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    server = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(base + "/openapi.json", timeout=1).raise_for_status()
                break
            except httpx.HTTPError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise Unexpected("uvicorn did not serve the seed app") from None
                time.sleep(0.05)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _script(name: str, module: str) -> list[str]:
    """The console script installed beside this Python, else ``python -m module``."""
    script = Path(sys.executable).with_name(name)
    return [str(script)] if script.exists() else [sys.executable, "-m", module]


def paramleak_command() -> list[str]:
    return [*_script("paramleak", "paramleak"), "audit", SEED_TARGET]


def schemathesis_command(base: str) -> list[str]:
    return [
        *_script("schemathesis", "schemathesis.cli"),
        "run",
        f"{base}/openapi.json",
        "--checks",
        CHECK,
        "--max-failures",
        "1",
    ]


_FAILED_AT = re.compile(r"curl -X (\w+) .*?https?://[^/\s]+(/\S*)")


def paramleak_process() -> float:
    elapsed, run = run_timed(paramleak_command(), cwd=ROOT, timeout=120)
    if run.returncode != 1:
        raise Unexpected(f"paramleak audit exited {run.returncode}, not 1 (a finding)")
    return elapsed


def schemathesis_process(stopped_at: list[str]) -> float:
    """Wall time of the Schemathesis CLI against a served seed app (the server started
    before the clock, stopped after), in an empty working directory."""
    with served() as base, tempfile.TemporaryDirectory(prefix="paramleak-bench-") as cwd:
        env = {**os.environ, "NO_COLOR": "1"}
        elapsed, run = run_timed(schemathesis_command(base), cwd=cwd, env=env, timeout=120)
    if run.returncode != 1:
        raise Unexpected(f"schemathesis run exited {run.returncode}, not 1 (a failure)")
    stopped_at += [f"{m} {p}" for m, p in _FAILED_AT.findall(run.stdout)]
    return elapsed


def process_rows(settings: Settings) -> list[Row]:
    key, name = "process", "whole process"
    if not schemathesis_installed():
        return [failed(key, name, f"schemathesis {INSTALL_HINT}")]
    stopped_at: list[str] = []
    measured = Rounds.run(
        settings.rounds_for(5),
        {"paramleak": paramleak_process, "schemathesis": lambda: schemathesis_process(stopped_at)},
    )
    where = ", ".join(sorted(set(stopped_at))) or "?"
    return [
        Row(
            key=key,
            name=name,
            measured=f"`paramleak audit {SEED_TARGET}` (exit 1: the finding)",
            baseline_name=f"`schemathesis run URL --checks {CHECK} --max-failures 1` against "
            "uvicorn (started before the clock)",
            values=measured["paramleak"],
            baselines=measured["schemathesis"],
            goal=Goal(3.0, at_most=False, text="≥ 3\u00d7 faster (≤ 1/3 the time)"),
            speedup=True,
            note=f"Schemathesis stopped at its first failure: {where}",
        )
    ]


def _profile_detection(settings: Settings) -> None:
    paramleak_in_process()
    profiled_audit(_seed(), rounds=settings.size(10, 2))


def _profile_process(settings: Settings) -> None:
    profiled_process(["paramleak", "audit", SEED_TARGET], cwd=ROOT, env=None)


MEASURES = (
    Measure(
        "detection",
        "row 4: paramleak.audit vs Schemathesis's engine until the seed bug is flagged",
        detection_rows,
        _profile_detection,
    ),
    Measure(
        "process",
        "row 5: the paramleak CLI vs the Schemathesis CLI, whole processes",
        process_rows,
        _profile_process,
    ),
)
