"""``--profile-row``: a row's candidate under pyinstrument, its profile as text.

pyinstrument profiles the thread that starts it, and paramleak runs an audit's requests on
its client's app thread: so a candidate that audits is profiled there (``profiled_audit``),
and every profile ends with its time by package, to say whose code the time is spent in.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import sysconfig
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench import ROOT
from bench._core import INSTALL_HINT

_STDLIB = Path(sysconfig.get_paths()["stdlib"]).resolve()


def available() -> bool:
    return importlib.util.find_spec("pyinstrument") is not None


def profiled(action: Callable[[], object]) -> None:
    """Run ``action`` under pyinstrument, on this thread, and print the profile."""
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0005)
    profiler.start()
    try:
        action()
    finally:
        profiler.stop()
    print(profiler.output_text(unicode=True, color=False, show_all=False))
    session = profiler.last_session
    if session is not None and (root := session.root_frame()) is not None:
        print(by_package(root))


def profiled_audit(app: Any, *, rounds: int = 1) -> None:
    """``paramleak.audit(app)``'s work, ``rounds`` times, profiled on the client's app
    thread, where the route checks run."""
    from paramleak._audit import check_routes
    from paramleak._discover import WRITE_METHODS, discover
    from paramleak._transport import AppClient

    routes = [r for r in discover(app) if r.method in WRITE_METHODS and r.params]
    client = AppClient(app)
    try:
        client.call(
            lambda: profiled(
                lambda: [_audit_once(check_routes, client, routes) for _ in range(rounds)]
            )
        )
    finally:
        client.close()


def _audit_once(check_routes: Any, client: Any, routes: Any) -> Any:
    from paramleak._model import AppReport

    report = AppReport("bench")
    check_routes(client, routes, report)
    return report


def package(path: str | None) -> str:
    """Whose code a file is: a top-level package of the checkout or of site-packages, the
    standard library, or built-in."""
    if not path or path.startswith("<"):
        return "built-in"
    if "site-packages" in path:
        return path.split("site-packages", 1)[1].strip("/\\").split("/")[0].split("\\")[0]
    resolved = Path(path).resolve()
    if resolved.is_relative_to(ROOT):
        return resolved.relative_to(ROOT).parts[0]
    if resolved.is_relative_to(_STDLIB):
        return "python (standard library)"
    return "other"


def by_package(root: Any, top: int = 8) -> str:
    """Self time summed by ``package`` of each frame, as lines of percentages. A built-in
    function's time counts to the code that called it."""
    totals: Counter[str] = Counter()
    stack: list[tuple[Any, str]] = [(root, "other")]
    while stack:
        frame, caller = stack.pop()
        owner = package(frame.file_path)
        if owner == "built-in":
            owner = caller
        totals[owner] += frame.total_self_time
        stack.extend((child, owner) for child in frame.children)
    whole = sum(totals.values()) or 1.0
    lines = ["time by package (self time; built-ins count to their caller):"]
    for name, spent in totals.most_common(top):
        lines.append(f"  {spent / whole:6.1%}  {name}")
    return "\n".join(lines)


def profiled_process(module_args: Sequence[str], *, cwd: Path, env: dict[str, str] | None) -> None:
    """Run ``python -m MODULE ARGS...`` under pyinstrument's command line (the whole
    process: imports, start-up and the work) and print the profile."""
    command = [sys.executable, "-m", "pyinstrument", "--no-color", "-m", *module_args]
    subprocess.run(command, cwd=cwd, env=env, check=False, stdin=subprocess.DEVNULL)


MISSING = f"pyinstrument {INSTALL_HINT}"
