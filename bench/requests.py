"""Per-request rows: the audit's probe and search, and other in-process clients, each beside
the same request made as a bare ASGI call on the same app in the same process."""

from __future__ import annotations

import asyncio
import importlib.util
import math
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from bench._asgi import HOST, RawASGI, replay
from bench._core import (
    INSTALL_HINT,
    Goal,
    Measure,
    Rounds,
    Row,
    Settings,
    Unexpected,
    arm,
    failed,
    span,
)
from bench._profile import profiled

TRIGGERS = "/v1/code/triggers"
BODY = b"{}"
SEARCH_EXAMPLES = 25
"""The audit's default ``max_examples``."""
BASELINE = "raw ASGI call"
SAME_REQUESTS = "raw ASGI calls of the same requests"


@dataclass
class Target:
    """An app served by paramleak's client, a trigger in its store, and its run request
    as both paramleak's route check and a bare ASGI call make it."""

    app: Any
    client: Any
    check: Any
    raw: RawASGI
    trigger_id: str

    @property
    def path(self) -> str:
        return f"{TRIGGERS}/{self.trigger_id}/run"

    @property
    def values(self) -> dict[str, str]:
        return {"trigger_id": self.trigger_id}

    def probe(self, count: int, per_job: int) -> float:
        """Seconds per request of the audit's deterministic probe: ``_RouteCheck._send``
        (the client's send inside ``paramleak.recording()``), ``per_job`` at a time in one
        ``AppClient.call``, as ``audit()`` checks an app's routes: one job on the app
        thread. (The pytest plugin makes one job per route.)"""

        def job() -> None:
            for _ in range(per_job):
                self.check._send(self.values, {})

        jobs = max(1, count // per_job)
        started = time.perf_counter()
        for _ in range(jobs):
            self.client.call(job)
        return (time.perf_counter() - started) / (jobs * per_job)

    def probes_per_audit(self) -> int:
        """How many requests ``paramleak.audit`` sends to this app in its one job on the
        app thread, without the search (``max_examples=0``)."""
        from paramleak._audit import check_routes
        from paramleak._discover import WRITE_METHODS, discover
        from paramleak._model import AppReport

        routes = [r for r in discover(self.app) if r.method in WRITE_METHODS and r.params]
        self.client.sent = 0
        check_routes(self.client, routes, AppReport("bench"), max_examples=0)
        sent: int = self.client.sent
        if sent == 0:
            raise Unexpected("the audit sent no request")
        return sent

    def probe_status(self) -> int:
        status: int = self.check._send(self.values, {}).response.status_code
        return status


def _counting_client(app: Any) -> Any:
    from paramleak._transport import AppClient

    class CountingClient(AppClient):
        """paramleak's client, counting the requests it sends and keeping the last
        search's, for a baseline of the same requests."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            self.sent = 0
            self.requests: list[tuple[str, str, bytes | None]] = []
            self.statuses: list[int] = []
            super().__init__(*args, **kwargs)

        def send(self, method: str, path: str, body: bytes | None) -> Any:
            if threading.get_ident() != self._thread.ident:
                return super().send(method, path, body)  # back here, on the app thread
            self.sent += 1
            response = super().send(method, path, body)
            self.requests.append((method, path, body))
            self.statuses.append(response.status_code)
            return response

    return CountingClient(app, headers={}, timeout=10.0)


@contextmanager
def target(factory: Callable[[], Any], *, counting: bool = False) -> Iterator[Target]:
    arm()
    from bench._targets import RUN
    from paramleak._audit import _RouteCheck
    from paramleak._discover import discover
    from paramleak._transport import AppClient

    app = factory()
    loop = asyncio.new_event_loop()
    client = _counting_client(app) if counting else AppClient(app, headers={}, timeout=10.0)
    try:
        created = client.send("POST", TRIGGERS, b'{"name": "bench"}')
        if created.status_code != 201:
            raise Unexpected(f"creating a trigger answered {created.status_code}")
        trigger_id = created.json()["id"]
        route = next(r for r in discover(app) if r.method == "POST" and r.template == RUN)
        check = _RouteCheck(client, route, {})
        raw = RawASGI(app, "POST", f"{TRIGGERS}/{trigger_id}/run", BODY, loop)
        yield Target(app, client, check, raw, trigger_id)
    finally:
        client.close()
        loop.close()


def _seed() -> Any:
    from bench._targets import seed_app

    return seed_app()


def _fix() -> Any:
    from bench._targets import fix_app

    return fix_app()


def _same_status(t: Target) -> int:
    """The status both ways of sending answer; they must agree, or the rows compare
    different requests."""
    raw_status = t.raw.answer()[0]
    probe_status = t.probe_status()
    if raw_status != probe_status:
        raise Unexpected(f"raw ASGI answered {raw_status}, paramleak's probe {probe_status}")
    return raw_status


def probe_rows(settings: Settings) -> list[Row]:
    count = settings.size(200, 20)
    with target(_seed, counting=True) as t:
        status = _same_status(t)
        per_job = t.probes_per_audit()
        measured = Rounds.run(
            settings.rounds_for(15),
            {
                "baseline": lambda: t.raw.per_request(count),
                "probe": lambda: t.probe(count, per_job),
                "one job": lambda: t.probe(count, count),
            },
        )
    return [
        Row(
            key="probe",
            name="probe per request",
            measured="paramleak's deterministic probe (_RouteCheck._send: AppClient.send "
            f"inside recording()), {per_job} per AppClient.call, as many as audit() sends "
            "this app in its one job",
            baseline_name=BASELINE,
            values=measured["probe"],
            baselines=measured["baseline"],
            goal=Goal(2.0, at_most=True),
            note=f"seed app, POST {TRIGGERS}/{{id}}/run {{}}, answered {status}; "
            f"{count} requests per round",
        ),
        Row(
            key="probe:one-job",
            name="probe per request, one job",
            measured=f"the same probe, all {count} in one AppClient.call: what the hand-off "
            "to the app thread costs the row above, amortized away",
            baseline_name=BASELINE,
            values=measured["one job"],
            baselines=measured["baseline"],
            note="context: the audit of an app with more write routes comes this close",
        ),
    ]


def _search_once(t: Target, seed: int) -> tuple[float, int]:
    """Seconds per request of one Hypothesis search, and how many requests it sent (kept
    in ``t.client.requests``)."""
    t.client.sent = 0
    t.client.requests, t.client.statuses = [], []
    started = time.perf_counter()
    found = t.client.call(lambda: t.check._search(SEARCH_EXAMPLES, seed))
    elapsed = time.perf_counter() - started
    if found is not None:
        raise Unexpected("the search found a leak in the fix app")
    sent: int = t.client.sent
    if sent == 0:
        raise Unexpected("the search sent no request")
    return elapsed / sent, sent


def _engine_once(t: Target, seed: int, stored: Any) -> float:
    """Seconds per example of the same search with every request answered by ``stored``
    (a probe made once): Hypothesis's engine and the audit's own work on each example,
    without the app."""
    from paramleak._audit import _RouteCheck

    examples = 0

    def answered(values: Any, body: Any) -> Any:
        nonlocal examples
        examples += 1
        return stored

    check = _RouteCheck(t.client, t.check.route, {})
    check._send = answered  # type: ignore[method-assign]
    started = time.perf_counter()
    t.client.call(lambda: check._search(SEARCH_EXAMPLES, seed))
    elapsed = time.perf_counter() - started
    if examples == 0:
        raise Unexpected("the search ran no example")
    return elapsed / examples


def _same_statuses(t: Target) -> None:
    """The search's requests, replayed as bare ASGI calls, answer as they did to the
    search; else the baseline would time other requests."""
    replayed = [
        RawASGI(t.app, method, path, body, t.raw.loop).answer()[0]
        for method, path, body in t.client.requests
    ]
    if replayed != t.client.statuses:
        raise Unexpected(
            f"replayed, the search's requests answered {replayed}, not {t.client.statuses}"
        )


def search_rows(settings: Settings) -> list[Row]:
    count = settings.size(100, 20)
    sent: list[int] = []
    seeds = iter(range(1_000_000))

    def search() -> float:
        per_request, requests = _search_once(t, next(seeds))
        sent.append(requests)
        return per_request

    def baseline() -> float:
        """The requests of the last search, as bare ASGI calls, repeated to ``count``."""
        searched = list(t.client.requests)
        return replay(t.app, t.raw.loop, searched * math.ceil(count / len(searched)))

    with target(_fix, counting=True) as t:
        stored = t.check._send(t.values, {})
        _search_once(t, next(seeds))  # the first requests for the baseline to replay
        _same_statuses(t)
        measured = Rounds.run(
            settings.rounds_for(9),
            {
                "baseline": baseline,
                "search": search,
                "engine": lambda: _engine_once(t, next(seeds), stored),
            },
        )
    return [
        Row(
            key="search",
            name="Hypothesis example per request",
            measured=f"_RouteCheck._search({SEARCH_EXAMPLES}, seed) on the right fix "
            "(nothing to find), in one AppClient.call as the audit runs it: its time / "
            "requests sent",
            baseline_name=SAME_REQUESTS,
            values=measured["search"],
            baselines=measured["baseline"],
            goal=Goal(5.0, at_most=True),
            note="fixes.handler_merge.separate_path_model; the baseline replays the last "
            f"search's requests as bare ASGI calls; {span(sent)} requests per search",
        ),
        Row(
            key="search:engine",
            name="Hypothesis example, no app",
            measured="the same search with every request answered by one stored probe: "
            "Hypothesis's engine and the audit's work per example, without the app",
            baseline_name=SAME_REQUESTS,
            values=measured["engine"],
            baselines=measured["baseline"],
            note="context: what a search example costs before the app is called",
        ),
    ]


@contextmanager
def _testclient_warnings() -> Iterator[None]:
    """Starlette's TestClient warns that it wants httpx2 instead of httpx: not our concern."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*starlette\.testclient", category=Warning)
        yield


class Clients:
    """Other in-process clients sending the same request, each on its own terms."""

    def __init__(self, t: Target) -> None:
        import httpx

        self.t = t
        self.loop = t.raw.loop
        self.http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=t.app), base_url=f"http://{HOST}"
        )
        with _testclient_warnings():
            from starlette.testclient import TestClient

            self.testclient = TestClient(t.app, base_url=f"http://{HOST}")
        self.case: Any = None
        if importlib.util.find_spec("schemathesis") is not None:
            import schemathesis

            from bench._targets import RUN

            schema = schemathesis.openapi.from_asgi("/openapi.json", t.app)
            self.case = schema[RUN]["POST"].Case(
                path_parameters={"trigger_id": t.trigger_id},
                body={},
                media_type="application/json",
            )

    def httpx(self, count: int) -> float:
        headers = {"content-type": "application/json"}

        async def batch() -> float:
            started = time.perf_counter()
            for _ in range(count):
                await self.http.post(self.t.path, content=BODY, headers=headers)
            return (time.perf_counter() - started) / count

        return self.loop.run_until_complete(batch())

    def starlette(self, count: int) -> float:
        headers = {"content-type": "application/json"}
        with _testclient_warnings():
            started = time.perf_counter()
            for _ in range(count):
                self.testclient.post(self.t.path, content=BODY, headers=headers)
            return (time.perf_counter() - started) / count

    def schemathesis(self, count: int) -> float:
        started = time.perf_counter()
        for _ in range(count):
            self.case.call()
        return (time.perf_counter() - started) / count

    def statuses(self) -> dict[str, int]:
        headers = {"content-type": "application/json"}
        found = {
            "httpx": self.loop.run_until_complete(
                self.http.post(self.t.path, content=BODY, headers=headers)
            ).status_code
        }
        with _testclient_warnings():
            found["starlette"] = self.testclient.post(
                self.t.path, content=BODY, headers=headers
            ).status_code
        if self.case is not None:
            found["schemathesis"] = self.case.call().status_code
        return found

    def close(self) -> None:
        self.loop.run_until_complete(self.http.aclose())
        with _testclient_warnings():
            self.testclient.close()


CLIENT_ROWS = {
    "httpx": ("httpx.AsyncClient(transport=httpx.ASGITransport(app)).post"),
    "schemathesis": "Schemathesis's ASGI client: case.call() (schemathesis.openapi.from_asgi)",
    "starlette": "Starlette TestClient(app).post",
}


def client_rows(settings: Settings) -> list[Row]:
    count = settings.size(200, 20)
    with target(_seed) as t:
        status = _same_status(t)
        clients = Clients(t)
        try:
            for name, answered in clients.statuses().items():
                if answered != status:
                    raise Unexpected(f"{name} answered {answered}, raw ASGI {status}")
            contenders: dict[str, Callable[[], float]] = {
                "baseline": lambda: t.raw.per_request(count),
                "httpx": lambda: clients.httpx(count),
                "starlette": lambda: clients.starlette(count),
            }
            if clients.case is not None:
                contenders["schemathesis"] = lambda: clients.schemathesis(count)
            measured = Rounds.run(settings.rounds_for(15), contenders)
        finally:
            clients.close()
    rows = []
    for name, what in CLIENT_ROWS.items():
        key = f"clients:{name}"
        title = f"{name} client per request"
        if name not in contenders:
            rows.append(failed(key, title, f"schemathesis {INSTALL_HINT}"))
            continue
        rows.append(
            Row(
                key=key,
                name=title,
                measured=what,
                baseline_name=BASELINE,
                values=measured[name],
                baselines=measured["baseline"],
                note=f"context; same request as the probe row ({status}); {count} per round",
            )
        )
    return rows


def _profile_probe(settings: Settings) -> None:
    with target(_seed, counting=True) as t:
        per_job = t.probes_per_audit()
        t.probe(20, per_job)
        count = settings.size(2000, 200)
        # On the app thread, where the audit's requests run (``call`` is re-entrant there).
        t.client.call(lambda: profiled(lambda: t.probe(count, per_job)))


def _profile_search(settings: Settings) -> None:
    with target(_fix, counting=True) as t:
        _search_once(t, 0)
        searches = settings.size(20, 3)
        print("the search, as the row measures it:", file=sys.stderr)
        t.client.call(lambda: profiled(lambda: [_search_once(t, seed) for seed in range(searches)]))
        stored = t.check._send(t.values, {})
        print("the same search without the app (the row 'no app'):", file=sys.stderr)
        t.client.call(
            lambda: profiled(lambda: [_engine_once(t, seed, stored) for seed in range(searches)])
        )


def _profile_clients(settings: Settings) -> None:
    with target(_seed) as t:
        clients = Clients(t)
        try:
            clients.httpx(20)
            profiled(lambda: clients.httpx(settings.size(2000, 200)))
        finally:
            clients.close()


MEASURES = (
    Measure(
        "probe", "row 1: the audit's probe per request vs raw ASGI", probe_rows, _profile_probe
    ),
    Measure(
        "search",
        "row 2: a Hypothesis search example per request vs raw ASGI",
        search_rows,
        _profile_search,
    ),
    Measure(
        "clients",
        "row 3: httpx, Schemathesis and Starlette clients per request vs raw ASGI",
        client_rows,
        _profile_clients,
    ),
)
