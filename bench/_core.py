"""What a row is, how it is judged, and the interleaved rounds that measure it."""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

INSTALL_HINT = "not installed (pip install -e '.[bench]')"


@dataclass(frozen=True)
class Goal:
    """A bound on a row's ratio or on its value (seconds).

    ``at_most``: the measured figure must be <= ``limit``; else >= ``limit``.
    """

    limit: float
    at_most: bool
    on: Literal["ratio", "value"] = "ratio"
    text: str = ""

    def met(self, row: Row) -> bool:
        figure = row.ratio if self.on == "ratio" else row.value
        if figure is None:
            return False
        return figure <= self.limit if self.at_most else figure >= self.limit

    def describe(self) -> str:
        if self.text:
            return self.text
        sign = "≤" if self.at_most else "≥"
        unit = " s" if self.on == "value" else "\u00d7"
        return f"{sign} {self.limit:g}{unit}"


@dataclass(frozen=True)
class Row:
    """One line of the table: a candidate beside a baseline measured in the same run.

    ``values`` and ``baselines`` are per-round figures in seconds, paired by round.
    ``speedup``: the ratio is baseline / value (how many times faster the candidate is);
    otherwise value / baseline (what the candidate costs, in baselines).
    """

    key: str
    name: str
    measured: str
    baseline_name: str
    values: tuple[float, ...] = ()
    baselines: tuple[float, ...] = ()
    goal: Goal | None = None
    speedup: bool = False
    note: str = ""
    error: str | None = None

    @property
    def value(self) -> float | None:
        return median(self.values) if self.values else None

    @property
    def baseline(self) -> float | None:
        return median(self.baselines) if self.baselines else None

    @property
    def ratios(self) -> tuple[float, ...]:
        pairs = zip(self.values, self.baselines, strict=True)
        if self.speedup:
            return tuple(ratio(b, v) for v, b in pairs)
        return tuple(ratio(v, b) for v, b in pairs)

    @property
    def ratio(self) -> float | None:
        ratios = self.ratios
        return median(ratios) if ratios else None

    @property
    def spread(self) -> tuple[float, float] | None:
        ratios = self.ratios
        return (min(ratios), max(ratios)) if ratios else None

    @property
    def status(self) -> Literal["met", "missed", "error", "n/a"]:
        if self.error is not None:
            return "error"
        if self.goal is None:
            return "n/a"
        return "met" if self.goal.met(self) else "missed"


def median(values: Sequence[float]) -> float:
    if not values:
        raise ValueError("median of no values")
    return float(statistics.median(values))


def ratio(numerator: float, denominator: float) -> float:
    if denominator <= 0:
        return float("inf") if numerator > 0 else float("nan")
    return numerator / denominator


def span(values: Sequence[int]) -> str:
    """``"3"``, or ``"25-31"`` for counts that varied from round to round."""
    low, high = min(values), max(values)
    return str(low) if low == high else f"{low}-{high}"


def failed(key: str, name: str, message: str) -> Row:
    """A row that could not be measured (a missing tool, an unexpected answer)."""
    return Row(key=key, name=name, measured="", baseline_name="", error=message)


@dataclass
class Rounds:
    """Per-round figures of several contenders, measured in turn, round after round.

    Each round runs every contender once, in an order rotated from round to round, so a
    drift of the machine (a warming CPU, a neighbour's load) falls on all of them alike.
    """

    results: dict[str, list[float]] = field(default_factory=dict)

    @classmethod
    def run(
        cls,
        rounds: int,
        contenders: Mapping[str, Callable[[], float]],
        *,
        warmup: bool = True,
    ) -> Rounds:
        names = list(contenders)
        if warmup:
            for name in names:
                contenders[name]()
        measured = cls({name: [] for name in names})
        for n in range(rounds):
            shift = n % len(names)
            for name in names[shift:] + names[:shift]:
                measured.results[name].append(contenders[name]())
        return measured

    def __getitem__(self, name: str) -> tuple[float, ...]:
        return tuple(self.results[name])


def timed(action: Callable[[], object]) -> float:
    """Wall time of one call, in seconds."""
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


@dataclass(frozen=True)
class Settings:
    """``rounds``: as given on the command line, else each measurement's own default."""

    rounds: int | None = None
    quick: bool = False

    def rounds_for(self, default: int) -> int:
        if self.rounds is not None:
            return self.rounds
        return min(default, 3) if self.quick else default

    def size(self, default: int, quick: int) -> int:
        """A batch size: smaller with ``--quick``."""
        return quick if self.quick else default


@dataclass(frozen=True)
class Measure:
    """One measurement: the rows it yields, and its candidate alone, to profile."""

    key: str
    help: str
    rows: Callable[[Settings], list[Row]]
    profile: Callable[[Settings], None]
    slow: bool = False


class Unexpected(Exception):
    """The measured thing did not behave as the row assumes (no finding, a wrong status)."""


def arm() -> None:
    """Arm paramleak's observer: before any app module of the bench is imported."""
    import paramleak

    paramleak.arm()


def run_timed(
    command: Sequence[str],
    *,
    cwd: str | os.PathLike[str],
    env: Mapping[str, str] | None = None,
    timeout: float = 600.0,
) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Wall time of a whole process, and what it printed. A process that outlives
    ``timeout`` is killed and the row reports it (``Unexpected``), never hangs the bench."""
    started = time.perf_counter()
    try:
        run = subprocess.run(
            list(command),
            cwd=cwd,
            env=None if env is None else dict(env),
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            check=False,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        raise Unexpected(f"{' '.join(command[-4:])}: no end within {timeout:g} s") from None
    return time.perf_counter() - started, run
