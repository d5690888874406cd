"""``python -m external``: Schemathesis, as an outside requester, against every fix over HTTP."""

from __future__ import annotations

import argparse
import importlib.util
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table

from external._tally import (
    BASE_URL_ENV,
    TALLY_ENV,
    TRIGGER_IDS_ENV,
    Tally,
    failure,
    verdict,
)
from repro import VARIANTS, Variant
from repro.routines.app import TRIGGERS

ROOT = Path(__file__).resolve().parents[1]
FIXES: tuple[Variant, ...] = tuple(v for v in VARIANTS if v.kind == "fix")
DEFAULT_MAX_EXAMPLES = 20
PHASES = "examples,coverage,fuzzing,stateful"
CHECKS = (
    "not_a_server_error",
    "error_envelope",
    "store_unchanged_on_rejection",
    "unsupported_method",
    "allow_header_conformance",
    "content_type_conformance",
)
"""Schemathesis checks run on every response; the last three are Schemathesis's own HTTP
rules (``allow_header_conformance`` found a 405 whose ``Allow`` named one of two routes)."""
EXISTING_TRIGGERS = 2
"""Triggers created before each run, named to Schemathesis as examples of ``trigger_id``."""
INSTALL_HINT = "schemathesis is not installed: pip install -e '.[bench]'"
COLUMNS = (
    "fix",
    "requests",
    "2xx",
    "4xx",
    "5xx",
    "envelope violations",
    "state changes on rejection",
    "schemathesis exit",
)


@dataclass(frozen=True)
class Result:
    fix: str
    tally: Tally
    exit_code: int

    def row(self) -> tuple[str, ...]:
        t = self.tally
        return (
            self.fix,
            str(t.requests),
            str(t.statuses.get("2xx", 0)),
            str(t.statuses.get("4xx", 0)),
            str(t.statuses.get("5xx", 0)),
            str(t.envelope_violations),
            str(t.state_changes),
            str(self.exit_code),
        )


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def parse_args(argv: Sequence[str] | None) -> tuple[list[Variant], argparse.Namespace]:
    """The fixes to run and the options; exits 2 with a message on a bad argument."""
    names = [fix.name for fix in FIXES]
    parser = argparse.ArgumentParser(
        prog="python -m external",
        description="Serve each fix with uvicorn and let Schemathesis fuzz it from its "
        "OpenAPI: every error must be an enveloped 4xx, nothing a 5xx, and no rejected "
        "request may change the store.",
        epilog=f"fixes: {', '.join(names)}. Exit 0 if every fix holds, 1 if not, 2 on "
        "bad arguments or without schemathesis (pip install -e '.[bench]').",
    )
    parser.add_argument("fixes", nargs="*", metavar="FIX", help="fixes to run (default: all)")
    parser.add_argument(
        "--max-examples",
        type=_positive,
        default=DEFAULT_MAX_EXAMPLES,
        metavar="N",
        help=f"Schemathesis test cases per operation and phase (default {DEFAULT_MAX_EXAMPLES})",
    )
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table instead")
    args = parser.parse_args(argv)
    unknown = [name for name in args.fixes if name not in names]
    if unknown:
        parser.error(f"unknown fix {', '.join(unknown)}; known: {', '.join(names)}")
    chosen = [fix for fix in FIXES if not args.fixes or fix.name in args.fixes]
    return chosen, args


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def served(fix: Variant, log: Path) -> Iterator[str]:
    """``fix`` served by uvicorn on a free port; its base URL. Stopped on the way out."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", f"{fix.module}:app"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    with log.open("wb") as output:
        server = subprocess.Popen(command, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(base + TRIGGERS, timeout=1)
                break
            except httpx.TransportError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"uvicorn did not start {fix.module}:app") from None
                time.sleep(0.05)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def create_triggers(base: str, count: int) -> list[str]:
    ids = []
    for n in range(count):
        response = httpx.post(base + TRIGGERS, json={"name": f"existing {n}"}, timeout=10)
        response.raise_for_status()
        ids.append(response.json()["id"])
    return ids


def schemathesis_command(base: str, max_examples: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "run",
        f"{base}/openapi.json",
        "--phases",
        PHASES,
        "--checks",
        ",".join(CHECKS),
        "--max-examples",
        str(max_examples),
        # One request at a time: the store snapshots around each must see only its own.
        "--workers",
        "1",
        "--request-timeout",
        "10",
        "--generation-database",
        "none",
        "--no-color",
    ]


def fuzz(fix: Variant, max_examples: int, workdir: Path) -> Result:
    """Serve ``fix``, run Schemathesis against it, and read back what the hooks tallied."""
    workdir.mkdir()
    tally_path = workdir / "tally.json"
    with served(fix, workdir / "uvicorn.log") as base:
        ids = create_triggers(base, EXISTING_TRIGGERS)
        env = {
            **os.environ,
            "SCHEMATHESIS_HOOKS": "external.hooks",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
            BASE_URL_ENV: base,
            TALLY_ENV: str(tally_path),
            TRIGGER_IDS_ENV: ",".join(ids),
        }
        with (workdir / "schemathesis.log").open("wb") as output:
            # Schemathesis keeps its example database and replay files in its working directory.
            run = subprocess.run(
                schemathesis_command(base, max_examples),
                cwd=workdir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                check=False,
            )
    return Result(fix.name, Tally.read(tally_path), run.returncode)


def rich_table(results: Sequence[Result]) -> Table:
    table = Table(title="Schemathesis against every fix, over HTTP")
    table.add_column(COLUMNS[0], no_wrap=True)
    for column in COLUMNS[1:]:
        table.add_column(column, justify="right")
    for result in results:
        table.add_row(*result.row())
    return table


def markdown_table(results: Sequence[Result]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|---" + "|---:" * (len(COLUMNS) - 1) + "|"]
    for result in results:
        fix, *counts = result.row()
        lines.append(f"| `{fix}` | " + " | ".join(counts) + " |")
    return "\n".join(lines)


def _tail(path: Path, lines: int) -> str:
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def report_failure(console: Console, result: Result, workdir: Path) -> None:
    """What a failing fix's run saw: samples from the hooks, then Schemathesis's summary."""
    console.print(f"[bold red]{result.fix}[/]: {failure(result.tally, result.exit_code)}")
    for sample in result.tally.samples:
        console.print(f"  {sample}", markup=False, highlight=False)
    console.print(_tail(workdir / "schemathesis.log", 40), markup=False, highlight=False)
    if result.tally.server_errors:
        console.print(_tail(workdir / "uvicorn.log", 30), markup=False, highlight=False)


def main(argv: Sequence[str] | None = None) -> int:
    fixes, args = parse_args(argv)
    if importlib.util.find_spec("schemathesis") is None:
        print(INSTALL_HINT, file=sys.stderr)
        return 2
    console = Console()
    if not console.is_terminal:
        console.width = max(console.width, 120)  # a pipe or a file gets the whole table
    err = Console(stderr=True)
    results: list[Result] = []
    started = time.monotonic()
    try:
        with tempfile.TemporaryDirectory(prefix="paramleak-external-") as tmp:
            for n, fix in enumerate(fixes):
                err.print(f"[{n + 1}/{len(fixes)}] {fix.name}", highlight=False)
                workdir = Path(tmp) / str(n)
                result = fuzz(fix, args.max_examples, workdir)
                results.append(result)
                if failure(result.tally, result.exit_code) is not None:
                    report_failure(err, result, workdir)
    except KeyboardInterrupt:
        print("interrupted; servers stopped", file=sys.stderr)
        return 130
    except RuntimeError as error:
        print(error, file=sys.stderr)
        return 1
    if args.markdown:
        print(markdown_table(results))
    else:
        console.print(rich_table(results))
    elapsed = time.monotonic() - started
    reason = verdict({result.fix: (result.tally, result.exit_code) for result in results})
    if reason is not None:
        print(f"FAIL: {reason}", file=sys.stderr)
        return 1
    print(f"every fix held: {len(results)} fixes in {elapsed:.0f} s", file=sys.stderr)
    return 0
