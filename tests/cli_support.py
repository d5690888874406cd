"""Running the ``paramleak`` command from tests: in-process, or as a process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = Path(sys.executable).parent / "paramleak"


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str

    @property
    def json(self) -> Any:
        return json.loads(self.out)


Run = Callable[..., Result]


def run_process(way: str, args: list[str], cwd: Path = ROOT, **env: str) -> Result:
    """The console script (``way="script"``) or ``python -m paramleak`` in a subprocess."""
    command = [str(SCRIPT)] if way == "script" else [sys.executable, "-m", "paramleak"]
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | env
    done = subprocess.run(
        [*command, *args], cwd=cwd, capture_output=True, text=True, timeout=120, env=environment
    )
    return Result(done.returncode, done.stdout, done.stderr)


def one_line(text: str) -> str:
    """The message, after checking it is a single line and no traceback."""
    assert "Traceback" not in text
    assert text.endswith("\n")
    assert text.count("\n") == 1, text
    return text.strip()
