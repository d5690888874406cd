"""The pytest plugin, registered under ``pytest11``: one test item per audited route.

Name the apps to audit with ``--paramleak-app MODULE:ATTR`` (repeatable) or the ini key
``paramleak_apps`` (one per line); the flag wins, and an empty ``--paramleak-app=`` audits
nothing whatever the ini says. ``MODULE:ATTR()`` calls ``ATTR``, an app factory, with no
arguments. Modules import from the invocation directory or the rootdir, as with uvicorn.

Each write route of an app with path params becomes the item
``paramleak[MODULE:ATTR][METHOD /template/{param}]``. It fails when a path param reaches
request-body validation (a finding: kind, param, status, validator, evidence and a curl
line to replay it), and it fails too when the route could not be checked (401/403 without
credentials, a timeout, a 5xx...): an unchecked route is never called clean.

Two fixtures feed the items; override them in the rootdir's ``conftest.py`` (the items
belong to no folder, so fixtures of a sub-folder's conftest do not reach them):

- ``paramleak_headers``: a ``dict[str, str]`` of headers sent with every request.
- ``paramleak_dependency_overrides``: a dict put into ``app.dependency_overrides`` for the
  duration of the item, then taken out again.

A fixture can tell the items apart by ``request.node.target`` and ``request.node.route``.
``--paramleak-max-examples`` (ini ``paramleak_max_examples``, 25) bounds the Hypothesis
search per route; ``--paramleak-seed`` (ini ``paramleak_seed``) makes it reproducible.
The app's models must be built after ``paramleak.arm()``: the plugin arms as soon as an app
is configured, before the root conftest files are imported.
"""

from __future__ import annotations

import importlib
import os
import sys
import traceback
from collections.abc import Generator, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import pytest

if TYPE_CHECKING:
    import argparse

    from _pytest._code.code import TerminalRepr

    from paramleak._discover import RouteInfo
    from paramleak._model import AppReport, Finding, Unchecked
    from paramleak._transport import AppClient

APP_OPTION = "--paramleak-app"
APPS_INI = "paramleak_apps"
MAX_EXAMPLES_OPTION = "--paramleak-max-examples"
MAX_EXAMPLES_INI = "paramleak_max_examples"
SEED_OPTION = "--paramleak-seed"
SEED_INI = "paramleak_seed"
REQUIRE_ROUTES_OPTION = "--paramleak-require-routes"
REQUIRE_ROUTES_INI = "paramleak_require_routes"
HEADERS_FIXTURE = "paramleak_headers"
OVERRIDES_FIXTURE = "paramleak_dependency_overrides"
DEFAULT_MAX_EXAMPLES = 25
REPLAY_BASE_URL = "http://localhost:8000"

# pytest >= 8.4 has integer ini values (and a native TOML table needs them); before, strings.
_INT_INI = pytest.version_tuple >= (8, 4)


@dataclass(frozen=True)
class _Settings:
    targets: tuple[str, ...]
    max_examples: int
    seed: int | None
    require_routes: bool


_SETTINGS = pytest.StashKey[_Settings]()
# One client per app and headers, for the whole run, as a server serves every request from
# one process: its lifespan starts before the app's first item and shuts down at the end.
_CLIENTS = pytest.StashKey[dict[tuple[int, tuple[tuple[str, str], ...]], "AppClient"]]()
# Target modules already imported when the plugin armed: their models are not observed.
_IMPORTED_BEFORE_ARMING = pytest.StashKey[frozenset[str]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("paramleak", "paramleak: path params in request-body validation")
    group.addoption(
        APP_OPTION,
        action="append",
        dest=APPS_INI,
        metavar="MODULE:ATTR",
        help="Audit this app, one item per write route with path params; repeatable, "
        "MODULE:ATTR() for a factory. Overrides the ini key paramleak_apps.",
    )
    group.addoption(
        MAX_EXAMPLES_OPTION,
        type=int,
        dest=MAX_EXAMPLES_INI,
        metavar="N",
        help=f"Hypothesis examples per route (default {DEFAULT_MAX_EXAMPLES}).",
    )
    group.addoption(
        SEED_OPTION,
        type=int,
        dest=SEED_INI,
        metavar="N",
        help="Seed the Hypothesis search, for a reproducible run.",
    )
    group.addoption(
        REQUIRE_ROUTES_OPTION,
        action="store_true",
        default=None,
        dest=REQUIRE_ROUTES_INI,
        help="An app with nothing to audit (no write route with path params) is a collection "
        "error, not zero items: a gate on the wrong app does not pass.",
    )
    parser.addini(APPS_INI, "Apps to audit, MODULE:ATTR, one per line.", type="linelist")
    parser.addini(
        REQUIRE_ROUTES_INI,
        "An app with nothing to audit is a collection error (default false).",
        type="bool",
        default=False,
    )
    for name, help_text in (
        (MAX_EXAMPLES_INI, f"Hypothesis examples per route (default {DEFAULT_MAX_EXAMPLES})."),
        (SEED_INI, "Seed the Hypothesis search."),
    ):
        if _INT_INI:
            parser.addini(name, help_text, type="int", default=None)
        else:
            parser.addini(name, help_text, type="string", default=None)


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config) -> None:
    # Root conftest files often import the app; arm before they are loaded.
    targets = _targets(early_config, early_config.known_args_namespace)
    if targets:
        _arm(early_config, targets)


def pytest_unconfigure(config: pytest.Config) -> None:
    for client in config.stash.get(_CLIENTS, {}).values():
        client.close()


def pytest_configure(config: pytest.Config) -> None:
    max_examples = _int_setting(config, MAX_EXAMPLES_INI)
    if max_examples is None:
        max_examples = DEFAULT_MAX_EXAMPLES
    elif max_examples < 0:
        raise pytest.UsageError(f"{MAX_EXAMPLES_INI}: expected N >= 0, got {max_examples}")
    settings = _Settings(
        targets=_targets(config, config.option),
        max_examples=max_examples,
        seed=_int_setting(config, SEED_INI),
        require_routes=bool(
            config.getoption(REQUIRE_ROUTES_INI) or config.getini(REQUIRE_ROUTES_INI)
        ),
    )
    config.stash[_SETTINGS] = settings
    if settings.targets:
        _arm(config, settings.targets)


def pytest_report_header(config: pytest.Config) -> str | None:
    settings = config.stash.get(_SETTINGS, None)
    if settings is None or not settings.targets:
        return None
    seed = "random" if settings.seed is None else settings.seed
    return (
        f"paramleak: {', '.join(settings.targets)} "
        f"(max examples {settings.max_examples}, seed {seed})"
    )


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(
    collector: pytest.Collector,
) -> Generator[None, pytest.CollectReport, pytest.CollectReport]:
    report = yield
    if isinstance(collector, pytest.Session) and report.passed:
        settings = collector.config.stash.get(_SETTINGS, None)
        for target in settings.targets if settings else ():
            name = f"paramleak[{target}]"
            report.result.append(
                ParamleakApp.from_parent(collector, name=name, nodeid=name, target=target)
            )
    return report


@pytest.fixture
def paramleak_headers() -> dict[str, str]:
    """Headers sent with every paramleak request; override it to give credentials."""
    return {}


@pytest.fixture
def paramleak_dependency_overrides() -> dict[Any, Any]:
    """Put into ``app.dependency_overrides`` while a paramleak item runs; override it."""
    return {}


class ParamleakApp(pytest.Collector):
    """One configured app: imports it and yields an item per audited route."""

    def __init__(self, *, target: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.target = target

    def collect(self) -> list[ParamleakRoute]:
        from paramleak._discover import WRITE_METHODS, discover

        app = self._load()
        items: dict[str, ParamleakRoute] = {}
        for route in discover(app):
            # A second route with the same method and template is never reached: skip it.
            if route.method in WRITE_METHODS and route.params and route.label not in items:
                items[route.label] = ParamleakRoute.from_parent(
                    self,
                    name=f"{self.name}[{route.label}]",
                    callobj=_fixtures_used,
                    target=self.target,
                    app=app,
                    route=route,
                )
        if not items and self.config.stash[_SETTINGS].require_routes:
            self._fail(
                "nothing to audit: no write route (POST, PUT, PATCH, DELETE) has path params "
                f"({REQUIRE_ROUTES_INI})"
            )
        return list(items.values())

    def _load(self) -> Any:
        target = self.target
        module_name, colon, attribute = target.partition(":")
        factory = attribute.endswith("()")
        attribute = attribute.removesuffix("()")
        if not (colon and module_name and attribute):
            self._fail("expected MODULE:ATTR, for example myapp.main:app")
        if module_name in self.config.stash.get(_IMPORTED_BEFORE_ARMING, frozenset()):
            self._fail(
                f"module {module_name} was imported before paramleak armed, so its models "
                "are not observed; do not import it from a plugin loaded ahead of paramleak"
            )
        if not _observation_works():
            self._fail(
                "paramleak's pydantic plugin is not active (is PYDANTIC_DISABLE_PLUGINS set?)"
            )
        # As uvicorn: from the invocation directory first, then the rootdir.
        for directory in (self.config.rootpath, self.config.invocation_params.dir):
            if str(directory) not in sys.path:
                sys.path.insert(0, str(directory))
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name and (module_name + ".").startswith(error.name + "."):
                self._fail(
                    f"cannot import {module_name}: no module named {error.name} "
                    f"(searched from {self.config.invocation_params.dir})",
                    error,
                )
            self._fail(f"importing {module_name} raised {_describe(error, self.config)}", error)
        except Exception as error:
            self._fail(f"importing {module_name} raised {_describe(error, self.config)}", error)
        app: Any = module
        for part in attribute.split("."):
            try:
                app = getattr(app, part)
            except AttributeError as error:
                self._fail(f"module {module_name} has no attribute {attribute}", error)
        if factory:
            try:
                app = app()
            except Exception as error:
                self._fail(f"calling {attribute}() raised {_describe(error, self.config)}", error)
        if not (callable(app) and hasattr(app, "routes")):
            kind = "a class" if isinstance(app, type) else f"a {type(app).__name__}"
            hint = (
                f"; for an app factory write {module_name}:{attribute}()"
                if callable(app) and not factory
                else ""
            )
            self._fail(f"not an ASGI app with routes (FastAPI or Starlette): got {kind}{hint}")
        return app

    def _fail(self, message: str, cause: BaseException | None = None) -> NoReturn:
        raise self.CollectError(f"paramleak app {self.target}: {message}") from cause


class _ParsedNodeId(pytest.Item):
    """Hands pytest the node id as a string, so it is parsed like the ids pytest reads back
    from its cache for ``--lf`` and ``--nf``. pytest >= 9.2 compares structured ids, and
    the one ``Function`` builds keeps the brackets of our name inside it, where a parsed
    id takes them for parameters: the two would never match."""

    def __init__(
        self, name: str, parent: pytest.Collector, *, nodeid: object = None, **kwargs: Any
    ) -> None:
        super().__init__(name, parent, nodeid=f"{parent.nodeid}::{name}", **kwargs)


class ParamleakRoute(pytest.Function, _ParsedNodeId):
    """One write route of one app; fails on a finding and on a route it could not check."""

    def __init__(self, *, target: str, app: Any, route: RouteInfo, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.target = target
        self.app = app
        self.route = route
        self._location: tuple[str | os.PathLike[str], int | None] | None = None

    def runtest(self) -> None:
        from paramleak._audit import check_route
        from paramleak._model import AppReport
        from paramleak._transport import AppClient

        settings = self.config.stash[_SETTINGS]
        headers = _headers(self.funcargs[HEADERS_FIXTURE])
        overrides = _overrides(self.funcargs[OVERRIDES_FIXTURE])
        report = AppReport(self.target)
        clients = self.config.stash.setdefault(_CLIENTS, {})
        key = (id(self.app), tuple(sorted(headers.items())))
        with _dependency_overrides(self.app, overrides, self.target):
            client = clients.get(key)
            if client is None:
                client = clients[key] = AppClient(self.app, headers=headers)
            try:
                check_route(
                    client,
                    self.route,
                    report,
                    max_examples=settings.max_examples,
                    seed=settings.seed,
                    headers=headers,
                )
            finally:
                if client.stuck:  # a handler blocks its loop: the next item gets a new one
                    del clients[key]
                    client.close()
        if not report.clean:
            raise RouteNotClean(report)

    def repr_failure(  # type: ignore[override]
        self, excinfo: pytest.ExceptionInfo[BaseException]
    ) -> str | TerminalRepr:
        if isinstance(excinfo.value, RouteNotClean):
            return _explain(excinfo.value.report, self.config)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[os.PathLike[str] | str, int | None, str]:
        if self._location is None:
            from paramleak._discover import handler_source

            found, line = handler_source(self.route.endpoint)
            # pytest's locations count lines from 0.
            if found is not None and line is not None:
                self._location = (found, line - 1)
            else:
                self._location = (self.path, None)
        path, line = self._location
        return path, line, self.name


class RouteNotClean(Exception):
    """A route with findings, or one the audit could not check."""

    def __init__(self, report: AppReport) -> None:
        super().__init__(f"{len(report.findings)} findings, {len(report.unchecked)} unchecked")
        self.report = report


def _fixtures_used(paramleak_headers: object, paramleak_dependency_overrides: object) -> None:
    """What a paramleak item requests; ``ParamleakRoute.runtest`` does the work."""


def _targets(config: pytest.Config, namespace: argparse.Namespace) -> tuple[str, ...]:
    given: list[str] | None = getattr(namespace, APPS_INI, None)
    values: list[str] = given if given is not None else config.getini(APPS_INI)
    return tuple(dict.fromkeys(value.strip() for value in values if value.strip()))


def _int_setting(config: pytest.Config, name: str) -> int | None:
    """The flag's value, else the ini key's, else None."""
    given: int | None = config.getoption(name)
    if given is not None:
        return given
    value: object = config.getini(name)
    if value is None or value == "":
        return None
    try:
        return int(str(value))
    except ValueError:
        raise pytest.UsageError(f"{name}: expected an integer, got {value!r}") from None


def _arm(config: pytest.Config, targets: tuple[str, ...]) -> None:
    from paramleak._observe import arm, is_armed

    if is_armed():
        return
    modules = {target.partition(":")[0] for target in targets}
    config.stash[_IMPORTED_BEFORE_ARMING] = frozenset(modules & sys.modules.keys())
    arm()


def _observation_works() -> bool:
    """Whether validators built now are observed: the pydantic plugin is loaded and armed."""
    from pydantic import TypeAdapter

    from paramleak._observe import recording

    adapter = TypeAdapter(int)
    with recording() as seen:
        adapter.validate_python(0)
    return bool(seen)


def _headers(value: object) -> dict[str, str]:
    if not isinstance(value, Mapping):
        pytest.fail(f"{HEADERS_FIXTURE} must return a dict[str, str], got {type(value).__name__}")
    for name, header in value.items():
        # Name the offending key only: the value may be a secret.
        if not isinstance(name, str) or not isinstance(header, str):
            pytest.fail(f"{HEADERS_FIXTURE} must return a dict[str, str]: see key {name!r}")
    return dict(value)


def _overrides(value: object) -> dict[Any, Any]:
    if not isinstance(value, Mapping):
        pytest.fail(f"{OVERRIDES_FIXTURE} must return a dict, got {type(value).__name__}")
    return dict(value)


@contextmanager
def _dependency_overrides(app: Any, overrides: dict[Any, Any], target: str) -> Iterator[None]:
    if not overrides:
        yield
        return
    current = getattr(app, "dependency_overrides", None)
    if not isinstance(current, dict):
        pytest.fail(f"{OVERRIDES_FIXTURE}: {target} has no dependency_overrides (not FastAPI?)")
    saved = dict(current)
    current.update(overrides)
    try:
        yield
    finally:
        current.clear()
        current.update(saved)


def _explain(report: AppReport, config: pytest.Config) -> str:
    """The failure text: a one-line summary first (pytest's short summary shows it)."""
    lines: list[str] = []
    if report.findings:
        first = report.findings[0]
        what = ", ".join(f"{f.param} {f.kind} ({f.status})" for f in report.findings)
        lines.append(f"{first.method} {first.route}: path param in body validation: {what}")
        for finding in report.findings:
            lines += ["", *_explain_finding(finding, config)]
    for unchecked in report.unchecked:
        lines += _explain_unchecked(unchecked, bool(lines))
    return "\n".join(lines)


def _explain_finding(finding: Finding, config: pytest.Config) -> list[str]:
    handler = finding.handler or "?"
    if finding.source_file:
        handler += f" ({_relative(finding.source_file, config)}:{finding.source_line})"
    return [
        f"  kind:      {finding.kind}",
        f"  param:     {finding.param}",
        f"  status:    {finding.status}",
        f"  validator: {finding.validator}",
        f"  handler:   {handler}",
        f"  evidence:  {finding.evidence}",
        "  replay:",
        f"    {finding.curl(REPLAY_BASE_URL)}",
    ]


def _explain_unchecked(unchecked: Unchecked, after_findings: bool) -> list[str]:
    return [
        *([""] if after_findings else []),
        f"{unchecked.method} {unchecked.route}: not checked: {unchecked.reason}",
        "  A route paramleak could not check fails: it is not known to be clean.",
        f"  Credentials: define {HEADERS_FIXTURE} (headers for every request) or "
        f"{OVERRIDES_FIXTURE} in the rootdir's conftest.py.",
    ]


def _describe(error: BaseException, config: pytest.Config) -> str:
    """``Type: message (file:line)``, where the error was raised, on one line."""
    text = f"{type(error).__name__}: {error}".splitlines()[0]
    if isinstance(error, SyntaxError) and error.filename:
        return f"{text} ({_relative(error.filename, config)}:{error.lineno})"
    frames = traceback.extract_tb(error.__traceback__)
    if frames:
        frame = frames[-1]
        text += f" ({_relative(frame.filename, config)}:{frame.lineno})"
    return text


def _relative(path: str, config: pytest.Config) -> str:
    try:
        return str(Path(path).relative_to(config.rootpath))
    except ValueError:
        return path
