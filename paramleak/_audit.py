"""The audit: per route, a deterministic probe, a Hypothesis search, an override check."""

from __future__ import annotations

import copy
import functools
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from paramleak._discover import WRITE_METHODS, RouteInfo, discover, handler_source
from paramleak._model import AppReport, Finding, FindingKind, ProbeRequest, Unchecked
from paramleak._observe import Validation, is_armed, recording
from paramleak._schema import field_schema as _schema_of_field
from paramleak._schema import from_schema, minimal_object, sentinel
from paramleak._transport import AppClient, LifespanFailed, RequestTimeout, Response, describe

MARKER_KEY = "paramleak_probe"
_OMITTED = object()


class NotArmed(RuntimeError):
    pass


class NoRoutes(TypeError):
    """The app lists no routes (a bare ASGI callable): there is nothing to audit."""


__all__ = ["LifespanFailed", "NoRoutes", "NotArmed", "audit", "check_route", "routed"]


@dataclass
class _Probe:
    values: dict[str, Any]
    body: Any
    request: ProbeRequest
    response: Response
    seen: list[Validation]
    # What the app raised while answering, even if an exception handler answered for it.
    app_error: str | None = None

    @property
    def body_keys(self) -> set[str]:
        return set(self.body) if isinstance(self.body, dict) else set()


@dataclass(frozen=True)
class _Leak:
    param: str
    probe: _Probe
    validation: Validation


class _LeakFound(Exception):
    pass


def audit(
    app: Any,
    *,
    target: str = "app",
    headers: Mapping[str, str] | None = None,
    max_examples: int = 25,
    seed: int | None = None,
    timeout: float = 10.0,
) -> AppReport:
    """Check every write route of ``app`` that has path params; see ``AppReport``.

    The app's models must have been built after ``paramleak.arm()``: import the app after
    arming, as the CLI and the pytest plugin do.

    The app is served as a server would: its lifespan starts before the first probe and
    shuts down after the last. A route that cannot be checked (credentials, a timeout, an
    exception, a 5xx) is in ``unchecked``, never counted clean. ``routes_checked == 0``
    with nothing unchecked means the app has no write route with path params: nothing was
    audited. Raises ``NoRoutes`` for an app that lists no routes (a bare ASGI callable;
    middleware that keeps the app it wraps as ``.app`` is looked through), and
    ``LifespanFailed`` if its lifespan startup fails or hangs past ``timeout``.
    """
    if not is_armed():
        raise NotArmed("call paramleak.arm() before importing the app")
    inner = routed(app)
    if inner is None:
        raise NoRoutes(
            f"{target} lists no routes (a bare ASGI callable, not a FastAPI or Starlette "
            "app): nothing to audit"
        )
    report = AppReport(target)
    routes = [r for r in discover(inner) if r.method in WRITE_METHODS and r.params]
    if not routes:
        return report  # nothing to audit: no request, not even the lifespan
    client = AppClient(app, headers=headers, timeout=timeout)
    try:
        check_routes(client, routes, report, max_examples=max_examples, seed=seed, headers=headers)
    finally:
        client.close()
    return report


def routed(app: Any) -> Any | None:
    """What lists the app's routes: the app itself, or the app that middleware wraps (as
    Starlette's middleware keep it, in ``.app``); None for a bare ASGI callable.

    A ``routes`` that raises counts as routes: discovery then says what went wrong.
    """
    current: Any = app
    seen: set[int] = set()
    while current is not None and id(current) not in seen and len(seen) < 64:
        seen.add(id(current))
        try:
            if hasattr(current, "routes"):
                return current
            current = getattr(current, "app", None)
        except Exception:
            return current
    return None


def check_route(
    client: AppClient,
    route: RouteInfo,
    report: AppReport,
    *,
    max_examples: int = 25,
    seed: int | None = None,
    headers: Mapping[str, str] | None = None,
) -> None:
    """Add the route's findings, or why it could not be checked, to ``report``."""
    check_routes(client, [route], report, max_examples=max_examples, seed=seed, headers=headers)


def check_routes(
    client: AppClient,
    routes: list[RouteInfo],
    report: AppReport,
    *,
    max_examples: int = 25,
    seed: int | None = None,
    headers: Mapping[str, str] | None = None,
) -> None:
    """``check_route`` for each route, in order, as one job on the client's app thread: the
    checks' requests make no hop between threads.

    A handler that blocks the app's loop past the timeout ends the job: the route under way
    is unchecked (a timeout), and the routes after it go on in a new job, which finds the
    app still busy until the handler returns.
    """
    remaining = list(routes)
    while remaining:
        parts: list[AppReport] = []

        def job(todo: list[RouteInfo] = remaining, parts: list[AppReport] = parts) -> None:
            for route in todo:
                if client.gave_up:
                    return  # the caller has moved on: add nothing more
                part = AppReport(report.target)
                _check_here(client, route, part, max_examples, seed, headers or {})
                parts.append(part)

        try:
            client.call(job)
        except RequestTimeout as timeout:
            finished = parts[: len(parts)]  # the job may still append: what it had done
            _merge(report, finished)
            stuck = remaining[len(finished)]
            report.unchecked.append(Unchecked(stuck.method, stuck.template, f"timeout: {timeout}"))
            remaining = remaining[len(finished) + 1 :]
        else:
            _merge(report, parts)
            return


def _check_here(
    client: AppClient,
    route: RouteInfo,
    report: AppReport,
    max_examples: int,
    seed: int | None,
    headers: Mapping[str, str],
) -> None:
    checker = _RouteCheck(client, route, headers)
    try:
        findings, unchecked = checker.run(max_examples, seed)
    except RequestTimeout as timeout:
        findings, unchecked = [], f"timeout: {timeout}"
    except Exception as error:  # the route's schema or the app broke the audit itself
        findings, unchecked = [], f"could not audit: {describe(error)}"
    report.findings.extend(findings)
    if unchecked:
        report.unchecked.append(Unchecked(route.method, route.template, unchecked))
    else:
        report.routes_checked += 1


def _merge(report: AppReport, parts: list[AppReport]) -> None:
    for part in parts:
        report.findings.extend(part.findings)
        report.unchecked.extend(part.unchecked)
        report.routes_checked += part.routes_checked


class _RouteCheck:
    def __init__(self, client: AppClient, route: RouteInfo, headers: Mapping[str, str]) -> None:
        self.client = client
        self.route = route
        self.headers = tuple((name, "<redacted>") for name in headers)
        self.body_validators: set[int] = set()

    def run(self, max_examples: int, seed: int | None) -> tuple[list[Finding], str | None]:
        values = {
            p.name: sentinel(p.schema, p.convertor, i) for i, p in enumerate(self.route.params)
        }
        minimal = self._minimal_body()
        marker = "plm" + uuid.uuid4().hex[:12]
        bodies: list[Any] = [_OMITTED, {}]
        if minimal:
            bodies.append(minimal)
        bodies.append({**(minimal or {}), MARKER_KEY: marker})
        probes = [self._send(values, body) for body in bodies]
        for _ in range(2):
            learned = _learn_values(probes, values)
            if learned == values:
                break
            values = learned
            probes = [self._send(values, body) for body in bodies]
        self._learn_body_schemas(probes)

        leaks = _first_per_param(self._leaks(probes))
        if not leaks and max_examples > 0 and self.body_validators:
            found = self._search(max_examples, seed)
            leaks = [found] if found else []
        findings = [self._finding(leak, _kind(leak)) for leak in leaks]
        findings += self._overrides(leaks, minimal)
        return findings, None if findings else self._why_unchecked(probes, values)

    def _minimal_body(self) -> dict[str, Any] | None:
        if self.route.body_schema is None or self.route.body_adapter is None:
            return None
        body = minimal_object(self.route.body_schema)
        if body is None:
            return None
        try:
            self.route.body_adapter.validate_python(body)
        except ValueError:
            return None
        return body

    def _send(self, values: dict[str, Any], body: Any) -> _Probe:
        encoded = {
            p.name: quote(str(values[p.name]), safe="/" if p.convertor == "path" else "")
            for p in self.route.params
        }
        path = self.route.url(encoded)
        raw = None if body is _OMITTED else json.dumps(body).encode()
        with recording() as seen:
            response = self.client.send(self.route.method, path, raw)
        error = self.client.last_app_error
        request = ProbeRequest(self.route.method, path, raw, self.headers)
        return _Probe(
            values, body, request, response, list(seen), describe(error) if error else None
        )

    def _learn_body_schemas(self, probes: list[_Probe]) -> None:
        """The body validators: whatever received every key of a body the client sent.

        That is the model FastAPI or the handler validates the body with, and any model
        built later from the body's fields (a service's command model). Not the response
        model, whose input holds path values on purpose.
        """
        for probe in probes:
            keys = probe.body_keys
            for v in probe.seen:
                if (
                    keys
                    and isinstance(v.input, dict)
                    and keys <= set(v.input)
                    and v.schema_type is not self.route.response_type
                ):
                    self.body_validators.add(v.validator)

    def _leaks(self, probes: list[_Probe]) -> list[_Leak]:
        leaks = []
        for probe in probes:
            for v in probe.seen:
                if (
                    v.validator not in self.body_validators
                    or not isinstance(v.input, dict)
                    or v.schema_type is self.route.response_type
                ):
                    continue
                for param, value in probe.values.items():
                    # A key the client itself sent is the client's, not a leak.
                    if (
                        param in v.input
                        and param not in probe.body_keys
                        and _same(v.input[param], value)
                    ):
                        leaks.append(_Leak(param, probe, v))
        return leaks

    def _search(self, max_examples: int, seed: int | None) -> _Leak | None:
        from hypothesis import HealthCheck, Phase, assume, given, settings
        from hypothesis import seed as with_seed
        from hypothesis import strategies as st

        route = self.route
        path_values = st.fixed_dictionaries(
            {p.name: from_schema(p.schema, no_slash=p.convertor != "path") for p in route.params}
        )
        if route.body_schema is not None:
            bodies = from_schema(route.body_schema)
        else:
            bodies = st.sampled_from([_OMITTED, {}])
        found: list[_Leak] = []

        @settings(
            max_examples=max_examples,
            database=None,
            deadline=None,
            phases=[Phase.generate, Phase.shrink],
            suppress_health_check=list(HealthCheck),
        )
        @given(values=path_values, body=bodies)
        def search(values: dict[str, Any], body: Any) -> None:
            if route.body_adapter is not None and body is not _OMITTED:
                try:
                    route.body_adapter.validate_python(body)
                except ValueError:
                    assume(False)
            assume(all(str(v) for v in values.values()))
            probe = self._send(values, body)
            self._learn_body_schemas([probe])
            leaks = self._leaks([probe])
            if leaks:
                found.append(leaks[0])
                raise _LeakFound

        if seed is not None:
            search = with_seed(seed)(search)
        # With no example database, Hypothesis needs no key for the search; without this it
        # derives one from the function's source on every call (a tenth of a 25-example
        # search). Schemathesis sets the same attribute for the same reason.
        search._hypothesis_internal_database_key = b""  # type: ignore[attr-defined]
        try:
            search()
        except _LeakFound:
            return found[-1]
        return None

    def _overrides(self, leaks: list[_Leak], minimal: dict[str, Any] | None) -> list[Finding]:
        """For each leaked param: can a body field of that name replace the path's value?"""
        findings = []
        for leak in leaks:
            param, values = leak.param, leak.probe.values
            spec = field_schema(leak.validation.schema_type, param)
            if spec is None:
                continue  # the model has no such field: a body value would be extra too
            spec.pop("default", None)
            other = sentinel(spec, "str", 1, avoid=frozenset({values[param]}))
            probe = self._send(values, {**(minimal or {}), param: other})
            for v in probe.seen:
                if (
                    v.validator in self.body_validators
                    and v.outcome == "valid"
                    and isinstance(v.input, dict)
                    and _same(v.input.get(param), other)
                    and _same(_attribute(v.result, param), other)
                ):
                    leak = _Leak(param, probe, v)
                    findings.append(self._finding(leak, "override"))
                    break
        return findings

    def _finding(self, leak: _Leak, kind: FindingKind) -> Finding:
        probe, v = leak.probe, leak.validation
        status = probe.response.status_code
        if kind == "override":
            what = f"a body {leak.param!r} replaced the path's in what {v.schema} validated"
        else:
            errors = [e["type"] for e in v.errors if tuple(e["loc"][:1]) == (leak.param,)]
            taken = f"rejected it ({', '.join(errors)})" if errors else "accepted it"
            what = f"{leak.param}={probe.values[leak.param]!r} reached {v.schema}, which {taken}"
        names = "; the response names it" if leak.param in probe.response.text else ""
        source_file, source_line = handler_source(self.route.endpoint)
        return Finding(
            method=self.route.method,
            route=self.route.template,
            param=leak.param,
            kind=kind,
            status=status,
            validator=v.schema,
            evidence=f"{what}; response {status}{names}",
            request=probe.request,
            handler=f"{self.route.endpoint.__module__}.{self.route.endpoint.__qualname__}",
            source_file=source_file,
            source_line=source_line,
        )

    def _why_unchecked(self, probes: list[_Probe], values: dict[str, Any]) -> str | None:
        statuses = sorted({p.response.status_code for p in probes})
        if set(statuses) <= {401, 403}:
            return f"answered {statuses[0]} to every probe: give credentials with headers"
        bad_values = [
            v
            for p in probes
            for v in p.seen
            if v.outcome == "invalid" and any(_same(v.input, x) for x in values.values())
        ]
        if bad_values:
            return f"could not make path values its validation accepts ({bad_values[0].schema})"
        raised = [p for p in probes if p.app_error]
        if raised:
            which = (
                "every probe"
                if len(raised) == len(probes)
                else f"{len(raised)} of {len(probes)} probes"
            )
            answers = ", ".join(map(str, sorted({p.response.status_code for p in raised})))
            return f"the app raised {raised[0].app_error} on {which} (answered {answers})"
        if any(status >= 500 for status in statuses):
            return f"answered {max(statuses)} with no path param in body validation"
        if not self.body_validators and all(status >= 400 for status in statuses):
            return (
                f"answered {', '.join(map(str, statuses))} before any body validation "
                "(ids that must exist? credentials?)"
            )
        return None


def _kind(leak: _Leak) -> FindingKind:
    """Rejected if validation refused the param or blew up; masked if it took it."""
    v = leak.validation
    refused = any(tuple(e["loc"][:1]) == (leak.param,) for e in v.errors)
    if refused or v.outcome == "raised" or leak.probe.response.status_code >= 500:
        return "rejected"
    return "masked"


def _learn_values(probes: list[_Probe], values: dict[str, Any]) -> dict[str, Any]:
    """Path values that the app's own models accept.

    A model that declares a param (a path model with a pattern, a body model with an id
    field) and refused our value for its own rules tells what a real value looks like:
    take the next value from that field's schema, so later probes get past it.
    """
    learned = dict(values)
    for probe in probes:
        for v in probe.seen:
            if not isinstance(v.input, dict):
                continue
            for param, value in values.items():
                refused = any(
                    tuple(e["loc"][:1]) == (param,) and e["type"] != "extra_forbidden"
                    for e in v.errors
                )
                if refused and _same(v.input.get(param), value) and learned[param] is value:
                    spec = field_schema(v.schema_type, param)
                    if spec is not None:
                        spec.pop("default", None)
                        learned[param] = sentinel(spec, "str", 0, avoid=frozenset({value}))
    return learned


def _first_per_param(leaks: list[_Leak]) -> list[_Leak]:
    first: dict[str, _Leak] = {}
    for leak in leaks:
        first.setdefault(leak.param, leak)
    return list(first.values())


def _same(found: Any, expected: Any) -> bool:
    if found is None or isinstance(found, (dict, list)):
        return False
    return bool(found == expected or str(found) == str(expected))


def _attribute(result: Any, name: str) -> Any:
    if isinstance(result, dict):
        return result.get(name)
    return getattr(result, name, None)


def field_schema(schema_type: Any, name: str) -> dict[str, Any] | None:
    """``paramleak._schema.field_schema``, remembered: an app with thousands of routes
    often validates them all with a few models. A fresh copy each time."""
    try:
        found = _cached_field_schema(schema_type, name)
    except TypeError:  # an unhashable type
        return _schema_of_field(schema_type, name)
    return copy.deepcopy(found)


@functools.lru_cache(maxsize=512)
def _cached_field_schema(schema_type: Any, name: str) -> dict[str, Any] | None:
    return _schema_of_field(schema_type, name)
