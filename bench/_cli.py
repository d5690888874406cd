"""``python -m bench``: measure, then print the table."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

from rich.console import Console

from bench import ROOT, detection, requests, scale
from bench._core import Measure, Row, Settings, Unexpected, failed
from bench._profile import MISSING, available
from bench._table import markdown, notes, rich_table, versions

MEASURES: tuple[Measure, ...] = (*requests.MEASURES, *detection.MEASURES, *scale.MEASURES)
BY_KEY = {measure.key: measure for measure in MEASURES}
TITLE = "paramleak's speed goals (medians over rounds; spread: min\u2013max of per-round ratios)"


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def parser() -> argparse.ArgumentParser:
    rows = "\n".join(f"  {m.key:<10} {m.help}" for m in MEASURES)
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Measure paramleak against a baseline measured in the same run, row by "
        "row, and print each ratio beside its goal.",
        epilog=f"rows:\n{rows}\n\nExit 0 after measuring (a missed goal is a result, not an "
        "error), 1 with --check if a goal is missed or a row could not be measured, 2 on bad "
        "arguments.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--rounds",
        type=_positive,
        metavar="N",
        help="rounds per row (default: each row's own, from 1 for the suite to 15)",
    )
    parser.add_argument(
        "--only", nargs="+", choices=list(BY_KEY), metavar="ROW", help="measure these rows only"
    )
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="at most 3 rounds, smaller batches, and no project suite (unless --only names it)",
    )
    parser.add_argument("--check", action="store_true", help="exit 1 if a goal is missed")
    parser.add_argument(
        "--profile-row",
        choices=list(BY_KEY),
        metavar="ROW",
        help="run that row's candidate under pyinstrument and print its profile; no table",
    )
    return parser


def chosen(only: Sequence[str] | None, quick: bool) -> list[Measure]:
    if only:
        return [m for m in MEASURES if m.key in only]
    return [m for m in MEASURES if not (quick and m.slow)]


def measure(measures: Sequence[Measure], settings: Settings, err: Console) -> list[Row]:
    rows: list[Row] = []
    for n, m in enumerate(measures):
        err.print(f"[{n + 1}/{len(measures)}] {m.key}: {m.help}", highlight=False)
        started = time.monotonic()
        try:
            found = m.rows(settings)
        except Exception as error:  # reported in the table, the other rows still run
            reason = str(error).strip().splitlines()[0] if str(error).strip() else ""
            kind = "" if isinstance(error, Unexpected) else f"{type(error).__name__}: "
            found = [failed(m.key, m.key, f"{kind}{reason}")]
        err.print(f"    {time.monotonic() - started:.1f} s", highlight=False)
        rows += found
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    settings = Settings(rounds=args.rounds, quick=args.quick)
    if args.profile_row:
        if not available():
            print(MISSING, file=sys.stderr)
            return 2
        BY_KEY[args.profile_row].profile(settings)
        return 0
    err = Console(stderr=True)
    rows = measure(chosen(args.only, args.quick), settings, err)
    if args.markdown:
        print(markdown(rows, f"Measured on {versions()}."))
    else:
        console = Console()
        if not console.is_terminal:
            console.width = max(console.width, 160)
        console.print(rich_table(rows, TITLE))
        console.print(versions(), highlight=False)
        for note in notes(rows):
            console.print(f"- {note}", highlight=False, markup=False)
    if args.check and any(row.status in ("missed", "error") for row in rows):
        return 1
    return 0
