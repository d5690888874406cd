"""``python -m repro``: run every variant live and print the matrix.

Exits 1 if any observation differs from the registry's declaration. ``--markdown`` prints
the README's table instead (declarations only, nothing is run).
"""

from __future__ import annotations

import argparse
import sys
import warnings

from rich.console import Console
from rich.table import Table

import paramleak
from repro import PROPERTIES, VARIANTS, matrix

# Observe validators built from here on: no variant module has been imported yet.
paramleak.arm()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m repro", description=__doc__)
    parser.add_argument(
        "names", nargs="*", metavar="VARIANT", help="run only these variants (default: all)"
    )
    parser.add_argument("--markdown", action="store_true", help="print the README's matrix")
    args = parser.parse_args(argv)
    known = [v.name for v in VARIANTS]
    unknown = [name for name in args.names if name not in known]
    if unknown:
        parser.error(f"unknown variant {', '.join(unknown)}; known: {', '.join(known)}")

    if args.markdown:
        print(matrix.markdown())
        return 0

    selected = [v for v in VARIANTS if not args.names or v.name in args.names]
    with warnings.catch_warnings():
        # The seed page's sample (fixes/handler_merge/wrong_nested_config.py) warns on
        # import; the matrix shows what it does instead.
        warnings.filterwarnings("ignore", "Support for class-based `config`", DeprecationWarning)
        rows = [matrix.observe(variant) for variant in selected]
    _print(rows)
    failed = [row for row in rows if row.mismatches]
    for row in failed:
        print(f"MISMATCH {row.variant.name}: {', '.join(row.mismatches)}", file=sys.stderr)
        for problem in row.problems:
            print(f"  {problem}", file=sys.stderr)
    return 1 if failed else 0


def _print(rows: list[matrix.Row]) -> None:
    table = Table(title="Every variant run live: observed, checked against the registry")
    for column in ("variant", "kind", "mechanism"):
        table.add_column(column, no_wrap=True)
    for column in matrix.COLUMNS.values():
        table.add_column(column)
    for row in rows:
        cells = [row.variant.name, row.variant.kind, row.variant.mechanism]
        for prop in PROPERTIES:
            declared = matrix.cell(dict(row.variant.expect)[prop])
            observed = matrix.cell(row.observed[prop])
            if declared == observed:
                cells.append(f"{observed} [green]ok[/]")
            else:
                cells.append(f"{observed} [red]MISMATCH[/] (declared {declared})")
        table.add_row(*cells)
    console = Console()
    if not console.is_terminal:
        console = Console(width=max(console.width, 140))
    console.print(table)


if __name__ == "__main__":
    sys.exit(main())
