"""The rows as a rich table or as Markdown, with the machine they were measured on."""

from __future__ import annotations

import math
import os
import platform
from collections.abc import Sequence
from importlib import metadata

from rich.table import Table

from bench._core import Row

COLUMNS = ("row", "what is measured", "value", "baseline", "ratio", "spread", "goal", "result")


def seconds(value: float | None) -> str:
    if value is None or math.isnan(value):
        return "—"
    if value < 1e-3:
        return f"{value * 1e6:.0f} µs"
    if value < 1:
        return f"{value * 1e3:.3g} ms"
    return f"{value:.3g} s"


def times(value: float | None, speedup: bool) -> str:
    if value is None or math.isnan(value):
        return "—"
    if not speedup:
        return f"{value:.3g}\u00d7"
    if value < 1:
        return f"{1 / value:.3g}\u00d7 slower"
    return f"{value:.3g}\u00d7 faster"


def spread(row: Row) -> str:
    found = row.spread
    if found is None or len(row.ratios) < 2:
        return "—"
    low, high = found
    return f"{low:.3g}\u2013{high:.3g}"


def cells(row: Row) -> tuple[str, ...]:
    """The row's cells, in ``COLUMNS`` order, as plain text."""
    if row.error is not None:
        return (row.name, row.error, "—", "—", "—", "—", "—", "error")
    what = f"{row.measured} vs {row.baseline_name}"
    return (
        row.name,
        what,
        seconds(row.value),
        seconds(row.baseline),
        times(row.ratio, row.speedup),
        spread(row),
        row.goal.describe() if row.goal else "—",
        row.status if row.goal else "—",
    )


def versions() -> str:
    def version(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "absent"

    return (
        f"{os.cpu_count()} cores, Python {platform.python_version()}, "
        f"FastAPI {version('fastapi')}, pydantic {version('pydantic')}, "
        f"Schemathesis {version('schemathesis')}"
    )


_STYLES = {"met": "green", "missed": "bold red", "error": "yellow"}


def rich_table(rows: Sequence[Row], title: str) -> Table:
    table = Table(title=title, show_lines=True)
    for column in COLUMNS:
        right = column in {"value", "baseline", "ratio", "spread"}
        table.add_column(column, justify="right" if right else "left", overflow="fold")
    for row in rows:
        *rest, result = cells(row)
        style = _STYLES.get(result)
        table.add_row(*rest, f"[{style}]{result}[/]" if style else result)
    return table


def notes(rows: Sequence[Row]) -> list[str]:
    return [f"{row.name}: {row.note}" for row in rows if row.note and row.error is None]


def _escape(text: str) -> str:
    return text.replace("|", "\\|")


def markdown(rows: Sequence[Row], heading: str) -> str:
    lines = [
        heading,
        "",
        "| " + " | ".join(COLUMNS) + " |",
        "|---|---|---:|---:|---:|---:|---|---|",
    ]
    for row in rows:
        lines.append("| " + " | ".join(_escape(cell) for cell in cells(row)) + " |")
    found = notes(rows)
    if found:
        lines.append("")
        lines += [f"- {_escape(note)}" for note in found]
    return "\n".join(lines)
