"""The wheel: the ``paramleak`` package with its types and entry points, and nothing else.

Built with ``pip wheel`` from a copy of the checkout (so no stale ``build/`` of an earlier
build leaks in, and nothing is written into the checkout); about five seconds, once.
"""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Never copied: version control, environments, caches and earlier builds.
IGNORED = shutil.ignore_patterns(
    ".git",
    ".venv",
    ".nox",
    ".hypothesis",
    ".*_cache",
    "__pycache__",
    "build",
    "dist",
    "*.egg-info",
)

ENTRY_POINTS = {
    "console_scripts": {"paramleak": "paramleak._cli:main"},
    "pytest11": {"paramleak": "paramleak._pytest_plugin"},
    "pydantic": {"paramleak": "paramleak._observe:plugin"},
}


def build_wheel(into: Path) -> Path:
    source = into / "source"
    shutil.copytree(ROOT, source, ignore=IGNORED)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "-w", str(into)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    [wheel] = into.glob("paramleak-*.whl")
    return wheel


def test_the_wheel_ships_the_typed_tool_its_entry_points_and_nothing_else(
    tmp_path: Path,
) -> None:
    with zipfile.ZipFile(build_wheel(tmp_path)) as wheel:
        names = wheel.namelist()
        [dist_info] = {name.split("/")[0] for name in names if ".dist-info/" in name}
        entry_points = configparser.ConfigParser()
        entry_points.read_string(wheel.read(f"{dist_info}/entry_points.txt").decode())
        metadata = wheel.read(f"{dist_info}/METADATA").decode()

    # Only the tool: the reproduction suite, tests and tools stay in the repository.
    top_level = {name.split("/")[0] for name in names}
    assert not top_level & {"repro", "fixes", "tests", "external", "bench", "conftest.py"}
    assert top_level == {"paramleak", dist_info}
    assert "paramleak/py.typed" in names
    assert "paramleak/__init__.py" in names
    assert f"{dist_info}/licenses/LICENSE" in names

    assert {
        section: dict(entry_points[section]) for section in entry_points.sections()
    } == ENTRY_POINTS

    assert "License-Expression: MIT" in metadata.splitlines()
    for classifier in ("Framework :: Pytest", "Framework :: FastAPI", "Typing :: Typed"):
        assert f"Classifier: {classifier}" in metadata.splitlines()
