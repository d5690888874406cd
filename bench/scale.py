"""Rows at scale: the audit over many routes (row 6), the pytest plugin spread by
pytest-xdist (row 7), and the project's own test suite (row 8)."""

from __future__ import annotations

import os
import re
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from bench import ROOT
from bench._core import (
    Goal,
    Measure,
    Rounds,
    Row,
    Settings,
    Unexpected,
    arm,
    median,
    run_timed,
)
from bench._profile import profiled_audit, profiled_process

SMALL, LARGE = 100, 1000
ROUTES_TARGET = "bench._targets:thousand_routes()"
CORRECT_TARGET = "bench._targets:thousand_correct_routes()"
ROUTES_BUDGET = 30.0
"""Seconds: "well under a minute" for the 1,000-route audit."""
SUITE_BUDGET = 45.0


def audit_routes(count: int) -> float:
    """Seconds ``paramleak.audit`` takes, at its defaults, over a fresh ``count``-route app."""
    arm()
    import paramleak
    from bench._targets import routes_app

    app = routes_app(count)
    started = time.perf_counter()
    report = paramleak.audit(app)
    elapsed = time.perf_counter() - started
    if report.routes_checked != count or len(report.findings) != count // 2:
        raise Unexpected(
            f"{count} routes: {report.routes_checked} checked, {len(report.findings)} findings "
            f"(expected {count} and {count // 2})"
        )
    return elapsed


def route_rows(settings: Settings) -> list[Row]:
    measured = Rounds.run(
        settings.rounds_for(3),
        {"small": lambda: audit_routes(SMALL), "large": lambda: audit_routes(LARGE)},
        warmup=False,
    )
    large, small = measured["large"], measured["small"]
    what = "paramleak.audit at its defaults, tests/hostile/many_routes.create_app(N)"
    return [
        Row(
            key="routes:total",
            name=f"{LARGE:,} routes",
            measured=f"{what}, N={LARGE:,}: whole audit",
            baseline_name=f"the same, N={SMALL}",
            values=large,
            baselines=small,
            goal=Goal(ROUTES_BUDGET, at_most=True, on="value", text=f"≤ {ROUTES_BUDGET:g} s"),
            note="half the routes leak; the other half get the Hypothesis search",
        ),
        Row(
            key="routes:linear",
            name="per-route cost",
            measured=f"per route at N={LARGE:,}",
            baseline_name=f"per route at N={SMALL}",
            values=tuple(t / LARGE for t in large),
            baselines=tuple(t / SMALL for t in small),
            goal=Goal(1.5, at_most=True),
            note="linear if the ratio stays near 1",
        ),
    ]


def _pythonpath() -> dict[str, str]:
    paths = [str(ROOT), os.environ.get("PYTHONPATH", "")]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in paths if p)}


def plugin_args(workers: int, *extra: str, target: str = ROUTES_TARGET) -> list[str]:
    """The plugin's run. Schemathesis's pytest plugin is blocked: the bench installs
    Schemathesis only for its comparison rows, and a team's pytest would not load it; it
    imports Schemathesis and Hypothesis into every process, workers included."""
    return [
        "pytest",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:schemathesis",
        "--paramleak-app",
        target,
        "-n",
        str(workers),
        *extra,
    ]


_SUMMARY = re.compile(r"(\d+) (passed|failed|errors?)\b")


def counts(output: str) -> dict[str, int]:
    """pytest's summary line, as counts: ``{"passed": 500, "failed": 500}``."""
    lines = [line for line in output.splitlines() if line.strip()]
    found: dict[str, int] = {}
    for number, outcome in _SUMMARY.findall(lines[-1] if lines else ""):
        found[outcome.rstrip("s") if outcome.startswith("error") else outcome] = int(number)
    return found


class Bytecode:
    """The environments the plugin's runs are measured in, set by the bench rather than
    inherited, so that the rows do not depend on the shell that starts them.

    ``cached``: compiled modules, pytest's assert-rewritten ones among them, are kept in a
    private cache (``PYTHONPYCACHEPREFIX``, a temporary folder), warmed before the clock:
    the steady state of a developer's machine or a CI runner. ``uncached``:
    ``PYTHONDONTWRITEBYTECODE=1``, as many CI images set: pytest can keep no rewritten
    module, and it rewrites the asserts of every package that ships a pytest plugin
    (Hypothesis, anyio, pytest-xdist) in every process that imports them, workers included.
    """

    def __init__(self, cache: Path) -> None:
        base = {k: v for k, v in _pythonpath().items() if k != "PYTHONDONTWRITEBYTECODE"}
        self.cached = {**base, "PYTHONPYCACHEPREFIX": str(cache)}
        self.uncached = {**base, "PYTHONDONTWRITEBYTECODE": "1"}

    def warm(self) -> None:
        """Fill the private cache: one small run with each worker count (a leaking route
        and a correct one), so that every module the timed runs import, in the controller
        and in the workers, is compiled and rewritten once."""
        for workers in (0, 2):
            run_plugin(workers, self.cached, extra=("-k", "r998 or r999"), expected=_ONE_EACH)


_ONE_EACH = {"passed": 1, "failed": 1}
_EXPECTED = {
    ROUTES_TARGET: {"passed": LARGE // 2, "failed": LARGE // 2},
    CORRECT_TARGET: {"passed": LARGE},
}


def run_plugin(
    workers: int,
    env: dict[str, str],
    *,
    target: str = ROUTES_TARGET,
    extra: Sequence[str] = (),
    expected: dict[str, int] | None = None,
) -> float:
    """Wall time of the pytest plugin over a 1,000-route app, in an empty directory (the
    checkout only on PYTHONPATH, so no test of the project is collected)."""
    with tempfile.TemporaryDirectory(prefix="paramleak-bench-") as cwd:
        command = [sys.executable, "-m", *plugin_args(workers, *extra, target=target)]
        elapsed, run = run_timed(command, cwd=cwd, env=env)
    found = counts(run.stdout)
    expected = expected or _EXPECTED[target]
    if run.returncode != (1 if expected.get("failed") else 0) or found != expected:
        raise Unexpected(f"pytest -n {workers} exited {run.returncode} with {found or run.stdout}")
    return elapsed


def start_plugin(env: dict[str, str]) -> float:
    """Wall time of the same run collecting only: start-up, plugins, importing the app,
    building and listing its routes; the part of a run that workers do not share."""
    with tempfile.TemporaryDirectory(prefix="paramleak-bench-") as cwd:
        command = [sys.executable, "-m", *plugin_args(0, "--collect-only", "-q")]
        elapsed, run = run_timed(command, cwd=cwd, env=env)
    if run.returncode != 0 or f"{LARGE} tests collected" not in run.stdout:
        raise Unexpected(f"pytest --collect-only exited {run.returncode}: {run.stdout[-200:]}")
    return elapsed


def xdist_rows(settings: Settings) -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="paramleak-bench-pycache-") as cache:
        bytecode = Bytecode(Path(cache))
        bytecode.warm()
        env = bytecode.cached
        measured = Rounds.run(
            settings.rounds_for(3),
            {
                "serial": lambda: run_plugin(0, env),
                "spread": lambda: run_plugin(2, env),
                "start": lambda: start_plugin(env),
                "start uncached": lambda: start_plugin(bytecode.uncached),
                "serial correct": lambda: run_plugin(0, env, target=CORRECT_TARGET),
                "spread correct": lambda: run_plugin(2, env, target=CORRECT_TARGET),
            },
            warmup=False,
        )
    serial, start = median(measured["serial"]), median(measured["start"])
    # Two workers at best: the start-up once, the rest halved.
    bound = serial / (start + (serial - start) / 2)
    uncached = median(measured["start uncached"])
    return [
        Row(
            key="xdist",
            name="pytest plugin, -n 2",
            measured=f"`python -m {' '.join(plugin_args(2))}`",
            baseline_name="the same with -n 0",
            values=measured["spread"],
            baselines=measured["serial"],
            goal=Goal(1.6, at_most=False, text="\u2265 1.6\u00d7 faster"),
            speedup=True,
            note=f"{LARGE:,} items (half fail: the leaks), run in an empty directory, compiled "
            f"modules in a private PYTHONPYCACHEPREFIX warmed before the clock; start-up and "
            f"collection alone (--collect-only) take {start:.2g} s of the {serial:.3g} s run, "
            f"so two workers can at best make it {bound:.2f}\u00d7 faster. With "
            f"PYTHONDONTWRITEBYTECODE=1, as many CI images set, they take {uncached:.2g} s: "
            "pytest rewrites the asserts of Hypothesis, anyio and pytest-xdist anew in every "
            "process",
        ),
        Row(
            key="xdist:correct",
            name="pytest plugin, -n 2, nothing to find",
            measured=f"the same over {CORRECT_TARGET.replace('bench._targets:', '')}",
            baseline_name="the same with -n 0",
            values=measured["spread correct"],
            baselines=measured["serial correct"],
            speedup=True,
            note=f"context: the gate on a green push; the same {LARGE:,} routes, none leaking, "
            "each with the Hypothesis search",
        ),
    ]


def suite_args(extra: Sequence[str]) -> list[str]:
    return ["pytest", "-q", *extra]


def run_suite(extra: Sequence[str]) -> tuple[float, dict[str, int]]:
    elapsed, run = run_timed([sys.executable, "-m", *suite_args(extra)], cwd=ROOT)
    found = counts(run.stdout)
    if run.returncode != 0:
        raise Unexpected(f"python -m pytest -q {' '.join(extra)} exited {run.returncode}: {found}")
    return elapsed, found


def suite_rows(settings: Settings) -> list[Row]:
    passed: list[int] = []

    def run(extra: Sequence[str]) -> float:
        elapsed, found = run_suite(extra)
        passed.append(found.get("passed", 0))
        return elapsed

    measured = Rounds.run(
        settings.rounds_for(1),
        {"default": lambda: run([]), "serial": lambda: run(["-n", "0"])},
        warmup=False,
    )
    return [
        Row(
            key="suite",
            name="project test suite",
            measured="`python -m pytest -q` in the checkout (-n auto)",
            baseline_name="the same with -n 0",
            values=measured["default"],
            baselines=measured["serial"],
            goal=Goal(SUITE_BUDGET, at_most=True, on="value", text=f"≤ {SUITE_BUDGET:g} s"),
            speedup=True,
            note=f"{max(passed):,} passed; {os.cpu_count()} cores",
        )
    ]


def _profile_routes(settings: Settings) -> None:
    arm()
    from bench._targets import routes_app

    audit_routes(SMALL)
    profiled_audit(routes_app(LARGE))


def _profile_xdist(settings: Settings) -> None:
    with (
        tempfile.TemporaryDirectory(prefix="paramleak-bench-") as cwd,
        tempfile.TemporaryDirectory(prefix="paramleak-bench-pycache-") as cache,
    ):
        bytecode = Bytecode(Path(cache))
        bytecode.warm()
        print("the -n 0 run, with a warm bytecode cache", file=sys.stderr)
        profiled_process(plugin_args(0), cwd=Path(cwd), env=bytecode.cached)
        print(
            "the -n 2 run's controller (the workers' work is out of reach; its CPU time is "
            "what the controller takes from them)",
            file=sys.stderr,
        )
        profiled_process(plugin_args(2), cwd=Path(cwd), env=bytecode.cached)


def _profile_suite(settings: Settings) -> None:
    print("the -n 0 run (with -n auto the work is in the workers, out of reach)", file=sys.stderr)
    profiled_process(suite_args(["-n", "0"]), cwd=ROOT, env=None)


MEASURES = (
    Measure(
        "routes",
        "row 6: the audit over 1,000 routes, and per route against 100",
        route_rows,
        _profile_routes,
    ),
    Measure(
        "xdist",
        "row 7: the pytest plugin over 1,000 routes, -n 2 against -n 0",
        xdist_rows,
        _profile_xdist,
    ),
    Measure(
        "suite",
        "row 8: the project's test suite, -n auto against -n 0 (slow; skipped by --quick)",
        suite_rows,
        _profile_suite,
        slow=True,
    ),
)
