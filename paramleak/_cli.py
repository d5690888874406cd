"""The ``paramleak`` command.

``paramleak audit MODULE:ATTR ...`` audits apps; ``paramleak`` alone audits every variant
bundled in a checkout of this repository and checks the verdicts against the registry.

Nothing heavy (fastapi, pydantic, Hypothesis, rich) is imported at module level, so that
``paramleak --help`` answers at once: each is imported by the function that needs it.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from rich.console import Console

    from paramleak._model import AppReport

USAGE_ERROR = 2
FORMATS = ("table", "json", "sarif")
# RFC 9110 token: what a header name may be made of.
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_MASKING_WARNING = "Support for class-based `config`"

DESCRIPTION = """\
Find URL path params that reach request-body validation in FastAPI apps, the bug behind
  POST /v1/code/triggers/{trigger_id}/run -> 400 'trigger_id: Extra inputs are not permitted'

  paramleak audit MODULE:ATTR ...   audit apps (see 'paramleak audit --help')
  paramleak                         audit every variant bundled in a checkout of the
                                    paramleak repository, against what its registry declares
"""
AUDIT_DESCRIPTION = """\
Audit each app: every write route with path params gets a deterministic probe, a Hypothesis
search and an override check. Targets are imported as uvicorn does, from the current
directory, after paramleak's validation observer is armed.
"""
EPILOG = """\
exit status:
  0  no finding, and every route with path params was checked; an app with no write route
     with path params has nothing to audit, and a line on stderr says so
  1  a finding, or a route the audit could not check (never counted as clean): 401/403
     without credentials, a timeout, an exception or a 5xx unrelated to params
  2  usage error, or a target that does not import, is not an app with routes (a bare ASGI
     callable lists none to audit), or does not start: its lifespan startup fails or takes
     longer than --timeout (one line saying why; nothing is audited); with --require-routes,
     also an app with nothing to audit (one line; no report is written)

Each app is served as a server would serve it: its lifespan starts before the first request
and shuts down after the last, and lifespan state reaches every request.
"""


class UsageError(Exception):
    """Printed as one line on stderr; the command exits 2."""


def main(argv: list[str] | None = None) -> int:
    """Run the command with ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    try:
        return _run(argv)
    except UsageError as error:
        print(_one_line(str(error)), file=sys.stderr)
        return USAGE_ERROR
    except KeyboardInterrupt:
        print("paramleak: interrupted", file=sys.stderr)
        return 130


class _Parser(argparse.ArgumentParser):
    """Reports a usage error as one line, not usage plus error."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: error: {message} (see '{self.prog} --help')")


class _Version(argparse.Action):
    """``--version``, reading the installed version only when asked."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, help="print the version and exit")

    def __call__(self, parser: argparse.ArgumentParser, *args: Any, **kwargs: Any) -> NoReturn:
        from paramleak._report import tool_version

        print(f"paramleak {tool_version()}")
        parser.exit()


def _parser() -> _Parser:
    parser = _Parser(
        prog="paramleak",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action=_Version)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    audit = commands.add_parser(
        "audit",
        help="audit apps given as MODULE:ATTR",
        description=AUDIT_DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    audit.add_argument(
        "targets",
        nargs="+",
        type=_target,
        metavar="TARGET",
        help="MODULE:ATTR, e.g. 'myservice.main:app' (ATTR may be dotted)",
    )
    audit.add_argument(
        "--factory",
        action="store_true",
        help="ATTR is a callable taking no arguments that returns the app",
    )
    audit.add_argument(
        "--header",
        dest="headers",
        action="append",
        default=[],
        type=_header,
        metavar="'NAME: VALUE'",
        help="send this header with every request (repeatable), e.g. credentials",
    )
    audit.add_argument(
        "--max-examples",
        type=_non_negative_int,
        default=25,
        metavar="N",
        help="Hypothesis examples per route when the probe finds nothing (default: 25)",
    )
    audit.add_argument("--seed", type=int, metavar="N", help="seed the Hypothesis search")
    audit.add_argument(
        "--timeout",
        type=_positive_float,
        default=10.0,
        metavar="SECONDS",
        help="per request; a route that times out is reported unchecked (default: 10)",
    )
    audit.add_argument(
        "--require-routes",
        action="store_true",
        help="an app with nothing to audit (no write route with path params) is an error "
        "(exit 2), not a pass: for a gate that must not go green on the wrong app",
    )
    audit.add_argument(
        "--format", choices=FORMATS, default="table", help="report format (default: table)"
    )
    audit.add_argument(
        "--output",
        metavar="FILE",
        help="write the report to FILE (atomically) instead of standard output",
    )
    return parser


def _target(value: str) -> str:
    module, colon, attrs = value.partition(":")
    valid_module = all(part.isidentifier() for part in module.split("."))
    valid_attrs = all(part.isidentifier() for part in attrs.split("."))
    if not colon or not valid_module or not valid_attrs:
        raise argparse.ArgumentTypeError(
            f"invalid target {value!r}: expected MODULE:ATTR, e.g. 'myservice.main:app'"
        )
    return value


def _header(value: str) -> tuple[str, str]:
    name, colon, content = value.partition(":")
    name, content = name.strip(), content.strip()
    if not colon or not _HEADER_NAME.fullmatch(name) or any(c in content for c in "\r\n\0"):
        raise argparse.ArgumentTypeError(
            f"invalid header {value!r}: expected 'Name: value', e.g. 'Authorization: Bearer ...'"
        )
    return name, content


def _non_negative_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = -1
    if number < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {value!r}")
    return number


def _positive_float(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = 0.0
    if not number > 0 or number == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number of seconds > 0, got {value!r}")
    return number


def _run(argv: list[str] | None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit:  # --help, --version
        return exit.code if isinstance(exit.code, int) else USAGE_ERROR
    if args.command is None:
        return _bundled()
    return _audit_command(args)


# -- paramleak audit TARGET ... ---------------------------------------------------------------


@dataclass(frozen=True)
class _Options:
    headers: dict[str, str]
    max_examples: int
    seed: int | None
    timeout: float


def _audit_command(args: argparse.Namespace) -> int:
    output: str | None = args.output
    if output is not None:
        _check_writable(output)
    options = _Options(dict(args.headers), args.max_examples, args.seed, args.timeout)

    import paramleak

    paramleak.arm()  # before any target is imported: only models built after it are observed
    _current_directory_first()
    apps = [(target, _load(target, factory=args.factory)) for target in args.targets]
    reports = [_audit_app(target, app, options) for target, app in apps]

    empty = [
        report
        for report in reports
        if report.routes_checked == 0 and not report.findings and not report.unchecked
    ]
    for report in empty:
        message = (
            f"paramleak: {report.target}: nothing to audit: no write route "
            "(POST, PUT, PATCH, DELETE) has path params, so no route was audited"
        )
        if args.require_routes:
            # Before any report is written: a gate on the wrong app must not leave one behind.
            raise UsageError(f"{message} (--require-routes)")
        print(message, file=sys.stderr)
    text = _render(reports, args.format, to_file=output is not None)
    if output is None:
        sys.stdout.write(text)
    else:
        _write_atomically(output, text)
        from paramleak._report import summary

        print(f"paramleak: wrote {output}: {summary(reports)}")
    return 0 if all(report.clean for report in reports) else 1


def _current_directory_first() -> None:
    """Import targets from the current directory first, as uvicorn does."""
    cwd = os.getcwd()
    sys.path[:] = [cwd, *(entry for entry in sys.path if entry != cwd)]


def _load(target: str, *, factory: bool) -> Any:
    """The ASGI app ``target`` names; a UsageError saying why not otherwise."""
    import importlib

    module_name, _, attrs = target.partition(":")
    try:
        found: Any = importlib.import_module(module_name)
    except Exception as error:
        raise UsageError(f"paramleak: cannot import {module_name!r}: {_describe(error)}") from None
    for attr in attrs.split("."):
        try:
            found = getattr(found, attr)
        except AttributeError:
            raise UsageError(
                f"paramleak: module {module_name!r} has no attribute {attrs!r}"
            ) from None
    if factory:
        if _has_routes(found) or _is_asgi_callable(found):
            raise UsageError(f"paramleak: {target!r} is an app, not a factory: drop --factory")
        if not callable(found):
            raise UsageError(f"paramleak: {target!r} is not callable, so not an app factory")
        try:
            found = found()
        except Exception as error:
            raise UsageError(
                f"paramleak: app factory {target!r} failed: {_describe(error)}"
            ) from None
    if _is_asgi_callable(found) and not _has_routes(found):
        raise UsageError(
            f"paramleak: {target!r} is a bare ASGI callable that lists no routes: nothing "
            "to audit (paramleak audits FastAPI and Starlette apps, and middleware that "
            "keeps one as .app)"
        )
    if not callable(found) or not _has_routes(found):
        what = type(found).__name__
        hint = ""
        if callable(found) and not factory:
            hint = "; if it returns the app, pass --factory"
        raise UsageError(
            f"paramleak: {target!r} is not an ASGI app with routes (it is a {what}){hint}"
        )
    return found


def _has_routes(found: Any) -> bool:
    """Whether ``found`` has ``routes``, or wraps an app that has (middleware): a property
    that raises has them, and the audit says what went wrong when it reads them."""
    from paramleak._audit import routed

    return routed(found) is not None


def _is_asgi_callable(found: Any) -> bool:
    """An ``async def app(scope, receive, send)``, or an object with such a ``__call__``."""
    import inspect

    if isinstance(found, type) or not callable(found):
        return False
    try:
        call = found if inspect.isroutine(found) else type(found).__call__
        if not inspect.iscoroutinefunction(call):
            return False
        inspect.signature(found).bind(None, None, None)
    except Exception:  # no signature, or not one that takes (scope, receive, send)
        return False
    return True


def _audit_app(target: str, app: Any, options: _Options) -> AppReport:
    """``paramleak.audit``; if the app makes it raise, the same audit route by route, each
    route that raises reported unchecked with its error."""
    import paramleak
    from paramleak._audit import LifespanFailed, NoRoutes

    try:
        return paramleak.audit(
            app,
            target=target,
            headers=options.headers,
            max_examples=options.max_examples,
            seed=options.seed,
            timeout=options.timeout,
        )
    except LifespanFailed as error:
        raise UsageError(f"paramleak: {target!r} did not start: {error}") from None
    except NoRoutes as error:
        raise UsageError(f"paramleak: {error}") from None
    except Exception as error:
        first = error
    try:
        return _audit_route_by_route(target, app, options)
    except Exception as error:
        again = _describe(error)
        then = "" if again == _describe(first) else f" (then, route by route: {again})"
        raise UsageError(
            f"paramleak: auditing {target!r} failed: {_describe(first)}{then}"
        ) from None


def _audit_route_by_route(target: str, app: Any, options: _Options) -> AppReport:
    from paramleak import _audit
    from paramleak._discover import WRITE_METHODS, discover
    from paramleak._model import AppReport, Unchecked
    from paramleak._transport import AppClient

    report = AppReport(target)
    routes = [
        r for r in discover(_audit.routed(app) or app) if r.method in WRITE_METHODS and r.params
    ]
    client = AppClient(app, headers=options.headers, timeout=options.timeout)
    try:
        for route in routes:
            try:
                _audit.check_route(
                    client,
                    route,
                    report,
                    max_examples=options.max_examples,
                    seed=options.seed,
                    headers=options.headers,
                )
            except Exception as error:
                reason = f"the audit raised {_describe(error)}"
                report.unchecked.append(Unchecked(route.method, route.template, reason))
    finally:
        client.close()
    return report


def _render(reports: list[AppReport], format: str, *, to_file: bool) -> str:
    import json

    from paramleak import _report

    if format == "json":
        return json.dumps(_report.to_json(reports), indent=2) + "\n"
    if format == "sarif":
        return json.dumps(_report.to_sarif(reports), indent=2) + "\n"
    import io

    buffer = io.StringIO()
    console = _console(buffer, plain=to_file)
    _report.render_table(reports, console)
    return buffer.getvalue()


def _console(file: Any = None, *, plain: bool = False, width: int = 140) -> Console:
    """A console on ``file`` (default: stdout): as wide as the terminal, or ``width`` wide
    for a file or pipe, so that tables keep their lines; ``plain``: no colour."""
    from rich.console import Console

    if plain:
        return Console(file=file, width=width, color_system=None, force_terminal=False)
    stdout = Console()
    if stdout.is_terminal:
        return Console(file=file, force_terminal=True, width=stdout.width)
    return Console(file=file, width=max(stdout.width, width))


def _check_writable(path: str) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise UsageError(f"paramleak: cannot write {path!r}: it is a directory")
    if not os.path.isdir(directory):
        raise UsageError(f"paramleak: cannot write {path!r}: no directory {directory!r}")
    if not os.access(directory, os.W_OK):
        raise UsageError(f"paramleak: cannot write {path!r}: {directory!r} is not writable")


def _write_atomically(path: str, text: str) -> None:
    """Write to a temporary file beside ``path``, then rename it over ``path``: a reader
    sees the old file or the whole new one, never part of it."""
    import tempfile

    directory = os.path.dirname(os.path.abspath(path))
    try:
        mode = os.stat(path).st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    try:
        descriptor, temporary = tempfile.mkstemp(
            dir=directory, prefix=f".{os.path.basename(path)}.", suffix=".tmp"
        )
    except OSError as error:
        raise UsageError(f"paramleak: cannot write {path!r}: {_describe(error)}") from None
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="\n") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(error, OSError):
            raise UsageError(f"paramleak: cannot write {path!r}: {_describe(error)}") from None
        raise


# -- paramleak (no arguments): the bundled variants ---------------------------------------------


@dataclass(frozen=True)
class _Row:
    name: str
    kind: str
    reaches: bool
    overrides: bool
    masking: bool
    expected: frozenset[str]
    observed: frozenset[str]
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.expected == self.observed


def _bundled() -> int:
    import paramleak

    paramleak.arm()  # before any variant module is imported
    _current_directory_first()
    try:
        from repro import VARIANTS
    except ImportError as error:
        raise UsageError(
            "paramleak: no TARGET given, and the bundled variants (package 'repro') only come "
            "with a checkout of the paramleak repository: run from its root, or use "
            f"'paramleak audit MODULE:ATTR' ({_describe(error)})"
        ) from None
    options = _Options(headers={}, max_examples=25, seed=None, timeout=10.0)
    rows = [_bundled_row(variant, options) for variant in VARIANTS]
    _print_bundled(rows)
    failed = [row for row in rows if not row.ok]
    for row in failed:
        from paramleak._report import verdict

        found = row.error or f"the audit found {verdict(row.observed)}"
        print(f"MISMATCH {row.name}: declared {verdict(row.expected)}, {found}", file=sys.stderr)
    return 1 if failed else 0


def _expected_kinds(expect: Any) -> frozenset[str]:
    """The finding kinds a variant's declaration implies.

    A path param in body validation is a finding: ``rejected`` when a valid run fails,
    ``masked`` when the run succeeds with the leak. A body that picks the trigger is an
    ``override``.
    """
    kinds = set()
    if expect["path_reaches_body_validation"]:
        kinds.add("rejected" if expect["rejects_valid_run"] else "masked")
    if expect["body_overrides_path"]:
        kinds.add("override")
    return frozenset(kinds)


def _bundled_row(variant: Any, options: _Options) -> _Row:
    import warnings

    expect = variant.expect
    reaches = bool(expect["path_reaches_body_validation"])
    row = _Row(
        name=variant.name,
        kind=variant.kind,
        reaches=reaches,
        overrides=bool(expect["body_overrides_path"]),
        masking=reaches and expect["unknown_body_field"] == "dropped",
        expected=_expected_kinds(expect),
        observed=frozenset(),
    )
    try:
        with warnings.catch_warnings():
            # The seed page's sample (fixes/handler_merge/wrong_nested_config.py) warns on
            # import; the audit shows what it does instead.
            warnings.filterwarnings("ignore", _MASKING_WARNING, DeprecationWarning)
            app = variant.create_app()
        report = _audit_app(f"{variant.module}:create_app", app, options)
    except UsageError as error:
        return _replace(row, error=_one_line(str(error)))
    except Exception as error:
        return _replace(row, error=f"error: {_describe(error)}")
    observed: set[str] = {finding.kind for finding in report.findings}
    if report.unchecked:
        observed.add("unchecked")
    return _replace(row, observed=frozenset(observed))


def _replace(row: _Row, **changes: Any) -> _Row:
    import dataclasses

    return dataclasses.replace(row, **changes)


def _print_bundled(rows: list[_Row]) -> None:
    from rich.table import Table
    from rich.text import Text

    from paramleak._report import verdict

    def yes(value: bool) -> str:
        return "yes" if value else "no"

    table = Table(title="Every bundled variant audited: the verdict against the registry")
    table.add_column("variant", overflow="fold")
    table.add_column("kind", no_wrap=True)
    table.add_column("path in body validation")
    table.add_column("body overrides path")
    table.add_column("masking")
    table.add_column("expected", no_wrap=True)
    verdicts = [verdict(row.observed) for row in rows if row.error is None]
    table.add_column("audit", overflow="fold", min_width=max(map(len, verdicts), default=5))
    table.add_column("check", no_wrap=True)
    for row in rows:
        table.add_row(
            row.name,
            row.kind,
            yes(row.reaches),
            yes(row.overrides),
            yes(row.masking),
            verdict(row.expected),
            Text(row.error or verdict(row.observed)),
            Text("ok", style="green") if row.ok else Text("MISMATCH", style="red"),
        )
    console = _console(width=160)
    console.print(table)
    console.print(
        "declared: the registry's expectations; masking: the path value reaches a body model "
        "that drops unknown fields. expected: rejected when a valid run fails with the leak, "
        "masked when it succeeds with it, override when a body field picks the trigger.",
        highlight=False,
    )


def _describe(error: BaseException) -> str:
    """The error on one line: ``No module named 'x'`` for an import, ``Type: text`` else."""
    text = str(error)
    if isinstance(error, ImportError) and text:
        return _one_line(text)
    return _one_line(f"{type(error).__name__}: {text}" if text else type(error).__name__)


def _one_line(text: str) -> str:
    return " ".join(text.split())
