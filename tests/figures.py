"""The reliability figures the README shows, as the tests themselves measured them.

``python -m tests.figures [--profile default|ci|thorough] [--markdown]`` runs four test modules
in-process (in one process with ``ci``, else pytest-xdist as configured) and reads the user
properties their tests record:

- ``tests/test_bad_input.py``: per (case, variant), the status, whether the answer was the
  tabled one, whether the store changed;
- ``tests/test_fuzz.py``: per fix app, the requests sent, 5xx answers, other contract violations;
- ``tests/test_security.py``: per variant, the override attempts and the runs that acted on
  another trigger than the path's;
- ``tests/test_hostile_targets.py``: per audit of a hostile target, paramleak's verdict and exit.

It prints them (a table, or with ``--markdown`` the block the README embeds) and exits 0 only
if every test passed and the figures are what the contract demands; else 1, with a one-line
reason on stderr. The ``ci`` profile is derandomized and runs in one process, in one order: a
rerun gives the same figures.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from repro import VARIANTS

ROOT = Path(__file__).resolve().parents[1]
TEST_FILES = ("test_bad_input.py", "test_fuzz.py", "test_security.py", "test_hostile_targets.py")
PROFILES = ("default", "ci", "thorough")
OUTCOMES = ("passed", "failed", "skipped", "errors")


@dataclass(frozen=True)
class Record:
    """One test report as the collector saw it: its phase, outcome and user properties."""

    when: str  # "setup", "call", "teardown", or "collect"
    outcome: str  # "passed", "failed" or "skipped"
    properties: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class BadInput:
    tried: int
    as_tabled: int
    server_errors: int
    store_changed: int


@dataclass(frozen=True)
class Fuzzed:
    app: str
    requests: int
    server_errors: int
    violations: int


@dataclass(frozen=True)
class Attacked:
    variant: str
    attempts: int
    overrides: int


@dataclass(frozen=True)
class Verdict:
    target: str
    credentials: bool
    verdict: str
    exit: int
    clean: bool


@dataclass(frozen=True)
class Figures:
    outcomes: dict[str, int]
    bad_input: BadInput
    fuzzed: tuple[Fuzzed, ...]
    attacked: tuple[Attacked, ...]
    hostile: tuple[Verdict, ...]

    def fuzz_total(self) -> Fuzzed:
        return Fuzzed(
            "total",
            sum(f.requests for f in self.fuzzed),
            sum(f.server_errors for f in self.fuzzed),
            sum(f.violations for f in self.fuzzed),
        )


def outcome(record: Record) -> str | None:
    """What ``record`` counts as among ``OUTCOMES``: a test by its call, an error by any
    other phase that failed, a skip in setup; None for the rest."""
    if record.when == "call":
        return record.outcome
    if record.outcome == "failed":
        return "errors"
    if record.when == "setup" and record.outcome == "skipped":
        return "skipped"
    return None


def tally(records: Iterable[Record]) -> Figures:
    """The figures, from the call reports' user properties (see each test module)."""
    outcomes = dict.fromkeys(OUTCOMES, 0)
    bad = Counter[str]()
    fuzzed: list[Fuzzed] = []
    attacked: list[Attacked] = []
    hostile: dict[Verdict, None] = {}  # distinct, in the order seen
    for record in records:
        counted = outcome(record)
        if counted is not None:
            outcomes[counted] += 1
        if record.when != "call":  # a teardown report repeats the call's properties
            continue
        seen = dict(record.properties)
        if "bad_input_status" in seen:
            bad["tried"] += 1
            bad["as_tabled"] += int(seen.get("as_tabled") is True)
            bad["server_errors"] += int(seen["bad_input_status"] >= 500)
            bad["store_changed"] += int(seen["store_changed"] is True)
        if "requests_sent" in seen:
            fuzzed.append(
                Fuzzed(
                    seen["variant"],
                    seen["requests_sent"],
                    seen["server_errors"],
                    seen["envelope_violations"],
                )
            )
        if "override_attempts" in seen:
            attacked.append(Attacked(seen["variant"], seen["override_attempts"], seen["overrides"]))
        for key, value in record.properties:
            if key == "paramleak_run":
                hostile[Verdict(**value)] = None
    return Figures(
        outcomes,
        BadInput(bad["tried"], bad["as_tabled"], bad["server_errors"], bad["store_changed"]),
        tuple(sorted(fuzzed, key=lambda f: f.app)),
        tuple(sorted(attacked, key=lambda a: a.variant)),
        tuple(sorted(hostile, key=lambda v: (v.target, v.credentials))),
    )


def problems(figures: Figures, exit_code: int = 0) -> list[str]:
    """Every way the run falls short of the contract; none means exit 0."""
    found = []
    failed = {k: n for k, n in figures.outcomes.items() if k != "passed" and n}
    if failed or exit_code != 0:
        said = ", ".join(f"{n} {k}" for k, n in failed.items())
        found.append(f"pytest exited {exit_code}" + (f" ({said})" if said else ""))
    bad = figures.bad_input
    if bad.tried == 0:
        found.append("no bad-input case ran")
    if bad.as_tabled != bad.tried:
        found.append(f"{bad.tried - bad.as_tabled} bad-input answers not as tabled")
    if bad.server_errors:
        found.append(f"{bad.server_errors} bad-input 5xx")
    if bad.store_changed:
        found.append(f"{bad.store_changed} bad-input requests changed the store")
    fixes = {v.name for v in VARIANTS if v.kind == "fix"}
    if missing := sorted(fixes - {f.app for f in figures.fuzzed if f.requests}):
        found.append(f"not fuzzed: {', '.join(missing)}")
    total = figures.fuzz_total()
    if total.server_errors:
        found.append(f"{total.server_errors} fuzzed 5xx")
    if total.violations:
        found.append(f"{total.violations} fuzzed envelope violations")
    declared = {v.name: v.expect["body_overrides_path"] for v in VARIANTS}
    if missing := sorted(set(declared) - {a.variant for a in figures.attacked}):
        found.append(f"no override attempts on: {', '.join(missing)}")
    for attack in figures.attacked:
        if attack.overrides and not declared.get(attack.variant, False):
            found.append(f"{attack.overrides} overrides in {attack.variant}")
        elif not attack.overrides and declared.get(attack.variant, False):
            found.append(f"no override in {attack.variant}, which declares it")
    if not figures.hostile:
        found.append("no hostile target audited")
    for verdict in figures.hostile:
        if verdict.clean and not verdict.credentials:
            found.append(f"{verdict.target} reported clean")
    return found


def target_label(verdict: Verdict, code: str = "") -> str:
    """The target as audited, its names between ``code`` marks."""
    with_header = f" with {code}--header{code}" if verdict.credentials else ""
    return f"{code}{verdict.target}{code}{with_header}"


def summary_line(figures: Figures, profile: str) -> str:
    counts = ", ".join(f"{figures.outcomes[k]:,} {k}" for k in OUTCOMES)
    return f"Hypothesis profile `{profile}`; pytest on the four modules: {counts}."


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def markdown(figures: Figures, profile: str) -> str:
    """The block the README embeds."""
    bad = figures.bad_input
    lines = [
        summary_line(figures, profile),
        "",
        "| bad input ([tests](tests/test_bad_input.py)) | count |",
        "|---|---:|",
        f"| (case, variant) pairs tried | {bad.tried:,} |",
        f"| answered exactly as tabled | {bad.as_tabled:,} |",
        f"| answered 5xx | {bad.server_errors:,} |",
        f"| changed the store | {bad.store_changed:,} |",
        "",
        "| fix app ([fuzzed](tests/test_fuzz.py)) | requests | 5xx | envelope violations |",
        "|---|---:|---:|---:|",
    ]
    for f in (*figures.fuzzed, figures.fuzz_total()):
        name = "**total**" if f.app == "total" else f"`{f.app}`"
        lines.append(f"| {name} | {f.requests:,} | {f.server_errors:,} | {f.violations:,} |")
    declared = {v.name: v for v in VARIANTS}
    lines += [
        "",
        "| variant ([attacked](tests/test_security.py)) | kind | attempts | ran another trigger"
        " | declared |",
        "|---|---|---:|---:|---|",
    ]
    for a in figures.attacked:
        variant = declared.get(a.variant)
        kind = variant.kind if variant else "?"
        says = "yes" if variant and variant.expect["body_overrides_path"] else "no"
        lines.append(f"| `{a.variant}` | {kind} | {a.attempts:,} | {a.overrides:,} | {says} |")
    lines += [
        "",
        "| hostile target ([tests](tests/test_hostile_targets.py)) | paramleak's verdict | exit |",
        "|---|---|---:|",
    ]
    lines += [
        f"| {target_label(v, '`')} | {_cell(v.verdict)} | {v.exit} |" for v in figures.hostile
    ]
    return "\n".join(lines) + "\n"


def render(figures: Figures, profile: str) -> None:
    """The same figures as rich tables, on stdout."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console()
    console.print(Text(summary_line(figures, profile).replace("`", "")))
    bad = figures.bad_input
    table = Table(title="Bad input (tests/test_bad_input.py)", title_justify="left")
    table.add_column("(case, variant) pairs tried", justify="right")
    table.add_column("as tabled", justify="right")
    table.add_column("5xx", justify="right")
    table.add_column("changed the store", justify="right")
    table.add_row(
        *(f"{n:,}" for n in (bad.tried, bad.as_tabled, bad.server_errors, bad.store_changed))
    )
    console.print(table)
    table = Table(title="Fuzzed fix apps (tests/test_fuzz.py)", title_justify="left")
    for column in ("fix app", "requests", "5xx", "envelope violations"):
        table.add_column(column, justify="left" if column == "fix app" else "right")
    for f in (*figures.fuzzed, figures.fuzz_total()):
        table.add_row(f.app, f"{f.requests:,}", f"{f.server_errors:,}", f"{f.violations:,}")
    console.print(table)
    table = Table(title="Override attempts (tests/test_security.py)", title_justify="left")
    for column in ("variant", "attempts", "ran another trigger"):
        table.add_column(column, justify="left" if column == "variant" else "right")
    for a in figures.attacked:
        table.add_row(a.variant, f"{a.attempts:,}", f"{a.overrides:,}")
    console.print(table)
    table = Table(title="Hostile targets (tests/test_hostile_targets.py)", title_justify="left")
    table.add_column("target", no_wrap=True)
    table.add_column("paramleak's verdict", overflow="fold")
    table.add_column("exit", justify="right")
    for v in figures.hostile:
        table.add_row(Text(target_label(v)), Text(v.verdict), str(v.exit))
    console.print(table)


class Collector:
    """A pytest plugin that keeps every report's phase, outcome and user properties; under
    pytest-xdist the reports, properties included, come back from the workers."""

    def __init__(self) -> None:
        self.records: list[Record] = []

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        properties = tuple((str(k), v) for k, v in report.user_properties)
        self.records.append(Record(report.when, report.outcome, properties))

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.records.append(Record("collect", "failed"))


def run_tests(profile: str) -> tuple[int, list[Record]]:
    """The four modules under ``profile``, in this process; pytest's output goes to stderr."""
    os.environ["HYPOTHESIS_PROFILE"] = profile  # read by conftest.py, here and in workers
    collector = Collector()
    args = [str(ROOT / "tests" / name) for name in TEST_FILES]
    if profile == "ci":
        # One process, one order: besides its derandomized seed, Hypothesis draws constants
        # from the project's modules already imported, so under pytest-xdist the counts
        # would depend on which tests a worker happened to run first.
        args += ["-n", "0"]
    with contextlib.redirect_stdout(sys.stderr):
        code = pytest.main([*args, "-q", "-p", "no:cacheprovider"], plugins=[collector])
    return int(code), collector.records


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.figures",
        description="Run the bad-input, fuzz, security and hostile-target tests and print "
        "what they measured; exit 0 only if all passed and the figures hold.",
    )
    parser.add_argument("--profile", choices=PROFILES, default="ci", help="(default: ci)")
    parser.add_argument("--markdown", action="store_true", help="print the README's block")
    args = parser.parse_args(argv)

    code, records = run_tests(args.profile)
    figures = tally(records)
    if args.markdown:
        sys.stdout.write(markdown(figures, args.profile))
    else:
        render(figures, args.profile)
    if found := problems(figures, code):
        print(f"figures: not as the contract demands: {'; '.join(found)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
