"""``--profile-row``: a row's candidate under pyinstrument, its profile as text."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from bench._core import INSTALL_HINT


def available() -> bool:
    return importlib.util.find_spec("pyinstrument") is not None


def profiled(action: Callable[[], object]) -> None:
    """Run ``action`` under pyinstrument and print the profile."""
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0005)
    profiler.start()
    try:
        action()
    finally:
        profiler.stop()
    print(profiler.output_text(unicode=True, color=False, show_all=False))


def profiled_process(module_args: Sequence[str], *, cwd: Path, env: dict[str, str] | None) -> None:
    """Run ``python -m MODULE ARGS...`` under pyinstrument's command line (the whole
    process: imports, start-up and the work) and print the profile."""
    command = [sys.executable, "-m", "pyinstrument", "--no-color", "-m", *module_args]
    subprocess.run(command, cwd=cwd, env=env, check=False, stdin=subprocess.DEVNULL)


MISSING = f"pyinstrument {INSTALL_HINT}"
