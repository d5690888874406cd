"""``paramleak`` against hostile targets (``tests/hostile/``): each gets a clear verdict and
the right exit code, and none is ever reported clean.

Every case goes through ``paramleak.audit`` (the verdict object) and the command in-process
(``main([...])``: its exit status and a one-line message, never a traceback); a few also
through ``python -m paramleak`` in a subprocess. A hung handler's thread must finish, and
close its loop, before the next test starts.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import paramleak
from paramleak._audit import LifespanFailed, NoRoutes
from paramleak._cli import main
from paramleak._report import _plural
from paramleak._transport import AppClient, RequestTimeout
from tests.cli_support import ROOT, Result, Run, one_line, run_process
from tests.hostile import auth, bare_asgi, hangs, lifespan, many_routes, no_write_routes, one_500
from tests.hostile import raises as raising

FAST = ("--max-examples", "3")


@pytest.fixture
def unrecorded(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Run:
    """``paramleak`` in-process, from the repository root (targets import from there)."""
    monkeypatch.chdir(ROOT)

    def run(*args: str) -> Result:
        code = main(list(args))
        out, err = capsys.readouterr()
        return Result(code, out, err)

    return run


@pytest.fixture
def cli(unrecorded: Run, request: pytest.FixtureRequest) -> Run:
    """``unrecorded``, with each audit's target, verdict and exit status recorded as a
    ``paramleak_run`` user property (tests/figures.py reads them; its table shows one
    target per run, so runs of several targets use ``unrecorded``)."""

    def run(*args: str) -> Result:
        result: Result = unrecorded(*args)
        if args[0] == "audit" and not args[1].startswith("-"):
            seen = {
                "target": args[1],
                "credentials": "--header" in args,
                "exit": result.code,
                "verdict": verdict(result),
                "clean": result.code == 0 and not result.err,
            }
            request.node.user_properties.append(("paramleak_run", seen))
        return result

    return run


def verdict(result: Result) -> str:
    """What an audit concluded, in one line: its message on stderr, else its summary."""
    if result.err:
        return result.err.strip().splitlines()[0]
    if result.out.startswith("{"):
        counts = result.json["summary"]
        return (
            f"{_plural(counts['findings'], 'finding')}, {counts['unchecked']} unchecked, "
            f"{_plural(counts['routes_checked'], 'route')} checked in "
            f"{_plural(counts['apps'], 'app')}"
        )
    return result.out.strip().splitlines()[-1]


def run_module(*args: str) -> Result:
    return run_process("module", list(args))


def reasons(data: Any) -> dict[str, str]:
    """``METHOD route`` -> reason, for every unchecked route of a JSON report; each reason
    one line with no traceback."""
    found = {f"{u['method']} {u['route']}": u["reason"] for u in data["unchecked"]}
    for reason in found.values():
        assert "\n" not in reason
        assert "Traceback" not in reason
    return found


@pytest.fixture(autouse=True)
def app_threads_finish() -> Iterator[None]:
    """A thread serving an app (even one a blocking handler held) ends with the test."""
    before = set(threading.enumerate())
    yield
    for thread in set(threading.enumerate()) - before:
        if thread.name == "paramleak-app":
            thread.join(10)
            assert not thread.is_alive(), "an app's event loop outlived its test"


# -- a target that does not import: exit 2 ------------------------------------------------------

IMPORT_FAILS = (
    "paramleak: cannot import 'tests.hostile.import_fails': "
    "RuntimeError: DATABASE_URL is not set (read at import time)"
)


def test_a_target_that_fails_to_import_exits_two(cli: Run) -> None:
    result = cli("audit", "tests.hostile.import_fails:app")

    assert result.code == 2
    assert result.out == ""
    assert one_line(result.err) == IMPORT_FAILS
    assert "tests.hostile.import_fails" not in sys.modules


def test_a_target_that_fails_to_import_exits_two_in_a_process() -> None:
    result = run_module("audit", "tests.hostile.import_fails:app")

    assert result.code == 2
    assert result.out == ""
    assert one_line(result.err) == IMPORT_FAILS


# -- handlers that raise on every request: unchecked, exit 1 ------------------------------------

RAISED = "the app raised RuntimeError: connection pool exhausted on "
RAISING = {"app": 500, "handled_app": 500, "hiding_app": 400}


@pytest.mark.parametrize(("name", "status"), RAISING.items())
def test_an_app_that_raises_on_every_request_is_never_clean(name: str, status: int) -> None:
    report = paramleak.audit(getattr(raising, name), max_examples=3)

    assert not report.clean
    assert report.findings == []
    assert report.routes_checked == 0
    found = {f"{u.method} {u.route}": u.reason for u in report.unchecked}
    # The run route's marker probe fails FastAPI's own body validation before the handler.
    assert found == {
        "DELETE /jobs/{job_id}": f"{RAISED}every probe (answered {status})",
        "POST /jobs/{job_id}/run": f"{RAISED}2 of 3 probes (answered {status})",
    }


@pytest.mark.parametrize("name", RAISING)
def test_an_app_that_raises_on_every_request_exits_one(cli: Run, name: str) -> None:
    result = cli("audit", f"tests.hostile.raises:{name}", *FAST, "--format", "json")

    assert result.code == 1
    assert result.err == ""
    found = reasons(result.json)
    assert set(found) == {"DELETE /jobs/{job_id}", "POST /jobs/{job_id}/run"}
    assert all(reason.startswith(RAISED) for reason in found.values())
    assert result.json["findings"] == []


def test_one_route_answering_500_is_unchecked_and_the_others_are_audited() -> None:
    report = paramleak.audit(one_500.app, max_examples=3)

    assert [(f.route, f.param, f.kind) for f in report.findings] == [
        ("/orders/{order_id}/pay", "order_id", "rejected")
    ]
    [unchecked] = report.unchecked
    assert (unchecked.method, unchecked.route) == ("POST", "/orders/{order_id}/ship")
    assert unchecked.reason == "answered 500 with no path param in body validation"
    assert report.routes_checked == 2  # pay (its finding) and cancel (clean)


def test_one_route_answering_500_exits_one(cli: Run) -> None:
    result = cli("audit", "tests.hostile.one_500:app", *FAST)

    assert result.code == 1
    assert result.err == ""
    assert "POST /orders/{order_id}/ship" in result.out
    assert "answered 500 with no path param in body validation" in result.out
    assert result.out.rstrip().endswith("1 finding, 1 unchecked, 2 routes checked in 1 app")


# -- handlers that hang: a timeout, unchecked, exit 1 --------------------------------------------


def test_a_handler_awaiting_forever_times_out_route_by_route() -> None:
    # Each route costs one timeout: the cancelled sleep frees the loop for the next one.
    report = paramleak.audit(hangs.sleeping_app, timeout=0.2, max_examples=3)

    assert report.findings == []
    assert report.routes_checked == 0
    assert {(u.route, u.reason) for u in report.unchecked} == {
        ("/jobs/{job_id}/cancel", "timeout: no answer within 0.2s"),
        ("/jobs/{job_id}/run", "timeout: no answer within 0.2s"),
    }


def test_a_handler_blocking_the_loop_leaves_every_route_unchecked() -> None:
    report = paramleak.audit(hangs.blocking_app, timeout=0.2, max_examples=3)

    assert report.findings == []
    assert report.routes_checked == 0
    assert {u.route for u in report.unchecked} == {"/jobs/{job_id}/cancel", "/jobs/{job_id}/run"}
    assert all(u.reason.startswith("timeout: ") for u in report.unchecked)


@pytest.mark.parametrize("name", ["sleeping_app", "blocking_app"])
def test_a_hanging_handler_exits_one(cli: Run, name: str) -> None:
    result = cli("audit", f"tests.hostile.hangs:{name}", "--timeout", "0.2", "--format", "json")

    assert result.code == 1
    assert result.err == ""
    found = reasons(result.json)
    assert set(found) == {"POST /jobs/{job_id}/cancel", "POST /jobs/{job_id}/run"}
    assert all(reason.startswith("timeout: ") for reason in found.values())


def test_a_handler_blocking_the_loop_exits_one_in_a_process() -> None:
    result = run_module(
        "audit", "tests.hostile.hangs:blocking_app", "--timeout", "0.3", "--format", "json"
    )

    assert result.code == 1, result.err
    assert result.err == ""
    found = reasons(result.json)
    assert found["POST /jobs/{job_id}/cancel"] == "timeout: no answer within 0.3s"
    assert found["POST /jobs/{job_id}/run"].startswith("timeout: ")


def test_a_blocked_loop_is_closed_once_the_handler_returns() -> None:
    client = AppClient(hangs.blocking_app, timeout=0.2)
    with pytest.raises(RequestTimeout, match=r"no answer within 0\.2s"):
        client.send("POST", "/jobs/j1/run", None)
    assert client.stuck
    with pytest.raises(RequestTimeout, match="still busy"):
        client.send("POST", "/jobs/j2/run", None)

    # Once the handler returns, the loop answers again...
    deadline = time.monotonic() + 10
    while client.stuck and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not client.stuck
    assert client.send("POST", "/nowhere", None).status_code == 404
    # ...and closing stops and closes it.
    client.close()
    assert not client._thread.is_alive()
    assert client._loop.is_closed()


def test_closing_while_blocked_returns_at_once_and_the_loop_closes_later() -> None:
    client = AppClient(hangs.blocking_app, timeout=0.2)
    with pytest.raises(RequestTimeout):
        client.send("POST", "/jobs/j1/run", None)

    client.close()

    assert client._thread.is_alive()  # the handler still sleeps
    client._thread.join(10)
    assert client._loop.is_closed()


# -- behind auth: unchecked without credentials, audited with them -------------------------------

BEARER = f"Authorization: Bearer {auth.TOKEN}"


def test_an_app_behind_auth_without_credentials_is_unchecked() -> None:
    report = paramleak.audit(auth.app, max_examples=3)

    assert report.findings == []
    assert [(u.method, u.route, u.reason) for u in report.unchecked] == [
        (
            "PATCH",
            "/projects/{project_id}",
            "answered 401 to every probe: give credentials with headers",
        )
    ]


def test_an_app_behind_auth_with_credentials_is_audited() -> None:
    report = paramleak.audit(
        auth.app, headers={"Authorization": f"Bearer {auth.TOKEN}"}, max_examples=3
    )

    assert report.clean
    assert report.routes_checked == 1


def test_an_app_behind_auth_exits_one_without_credentials_and_zero_with(cli: Run) -> None:
    without = cli("audit", "tests.hostile.auth:app", *FAST)
    with_token = cli("audit", "tests.hostile.auth:app", *FAST, "--header", BEARER)

    assert without.code == 1
    assert without.err == ""
    assert "answered 401 to every probe: give credentials with headers" in without.out
    assert with_token.code == 0, with_token.out
    assert with_token.err == ""
    assert with_token.out.rstrip().endswith("0 findings, 0 unchecked, 1 route checked in 1 app")
    assert auth.TOKEN not in with_token.out


# -- a lifespan that must run first --------------------------------------------------------------


@pytest.fixture
def events() -> Iterator[list[str]]:
    lifespan.EVENTS.clear()
    yield lifespan.EVENTS
    lifespan.EVENTS.clear()


def test_the_app_lifespan_runs_before_the_first_probe_and_after_the_last(
    events: list[str],
) -> None:
    report = paramleak.audit(lifespan.app, max_examples=3)

    assert [(f.route, f.param, f.kind) for f in report.findings] == [
        ("/jobs/{job_id}/run", "job_id", "rejected")
    ]
    assert report.unchecked == []
    assert report.routes_checked == 2
    assert events[0] == "startup"
    assert events[-1] == "shutdown"
    assert events.count("startup") == events.count("shutdown") == 1
    assert "request" in events
    assert not hasattr(lifespan.app.state, "db")  # shut down: the database is gone


def test_lifespan_state_reaches_every_request() -> None:
    report = paramleak.audit(lifespan.state_app, max_examples=3)

    assert [(f.route, f.kind) for f in report.findings] == [("/jobs/{job_id}/run", "rejected")]
    assert report.unchecked == []


def test_an_app_needing_its_lifespan_exits_one_for_its_leak(cli: Run, events: list[str]) -> None:
    result = cli("audit", "tests.hostile.lifespan:app", *FAST, "--format", "json")

    assert result.code == 1
    assert result.err == ""
    assert result.json["unchecked"] == []
    assert [f["route"] for f in result.json["findings"]] == ["/jobs/{job_id}/run"]
    assert (events[0], events[-1]) == ("startup", "shutdown")


def test_a_failing_lifespan_startup_raises_with_its_error() -> None:
    with pytest.raises(LifespanFailed) as raised:
        paramleak.audit(lifespan.failing_app, max_examples=3)

    assert str(raised.value) == (
        "lifespan startup failed: RuntimeError: cannot reach postgres://db:5432"
    )


def test_a_hanging_lifespan_startup_raises_after_the_timeout() -> None:
    with pytest.raises(LifespanFailed) as raised:
        paramleak.audit(lifespan.hanging_app, timeout=0.2, max_examples=3)

    assert str(raised.value) == "lifespan startup did not complete within 0.2s"


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("failing_app", "lifespan startup failed: RuntimeError: cannot reach postgres://db:5432"),
        ("hanging_app", "lifespan startup did not complete within 0.2s"),
    ],
)
def test_an_app_that_does_not_start_exits_two(cli: Run, name: str, reason: str) -> None:
    result = cli("audit", f"tests.hostile.lifespan:{name}", "--timeout", "0.2", *FAST)

    assert result.code == 2
    assert result.out == ""
    assert one_line(result.err) == (
        f"paramleak: 'tests.hostile.lifespan:{name}' did not start: {reason}"
    )


def test_an_app_that_does_not_start_exits_two_in_a_process() -> None:
    result = run_module("audit", "tests.hostile.lifespan:failing_app")

    assert result.code == 2
    assert result.out == ""
    assert one_line(result.err) == (
        "paramleak: 'tests.hostile.lifespan:failing_app' did not start: "
        "lifespan startup failed: RuntimeError: cannot reach postgres://db:5432"
    )


# -- thousands of routes: exactly the leaking ones ------------------------------------------------


def test_thousands_of_routes_through_the_command(cli: Run) -> None:
    result = cli(
        "audit",
        "tests.hostile.many_routes:create_app",
        "--factory",
        "--max-examples",
        "0",
        "--format",
        "json",
    )

    assert result.code == 1
    assert result.err == ""
    data = result.json
    assert data["unchecked"] == []
    assert sorted(f["route"] for f in data["findings"]) == sorted(many_routes.leaking())
    assert {(f["param"], f["kind"], f["status"]) for f in data["findings"]} == {
        ("item_id", "rejected", 400)
    }
    assert data["summary"]["routes_checked"] == many_routes.COUNT


# -- not a FastAPI app ---------------------------------------------------------------------------


def test_a_bare_asgi_callable_is_nothing_to_audit_not_clean() -> None:
    with pytest.raises(NoRoutes, match="lists no routes"):
        paramleak.audit(bare_asgi.app, target="bare", max_examples=3)


def test_a_bare_asgi_callable_exits_two(cli: Run) -> None:
    result = cli("audit", "tests.hostile.bare_asgi:app")

    assert result.code == 2
    assert result.out == ""
    assert one_line(result.err) == (
        "paramleak: 'tests.hostile.bare_asgi:app' is a bare ASGI callable that lists no "
        "routes: nothing to audit (paramleak audits FastAPI and Starlette apps, and "
        "middleware that keeps one as .app)"
    )


def test_a_bare_asgi_callable_is_served_without_a_lifespan_it_does_not_speak() -> None:
    client = AppClient(bare_asgi.app, timeout=2)
    try:
        response = client.send("POST", "/anything", b"{}")
    finally:
        client.close()

    assert (response.status_code, response.text) == (200, "ok")


def test_middleware_around_an_app_is_looked_through() -> None:
    report = paramleak.audit(bare_asgi.wrapped, max_examples=3)

    [finding] = report.findings
    assert (finding.route, finding.param, finding.kind) == (
        "/jobs/{job_id}/run",
        "job_id",
        "rejected",
    )
    assert report.unchecked == []


def test_middleware_around_an_app_exits_one_for_its_leak(cli: Run) -> None:
    result = cli("audit", "tests.hostile.bare_asgi:wrapped", *FAST)

    assert result.code == 1
    assert result.err == ""
    assert "POST /jobs/{job_id}/run" in result.out


# -- nothing to audit: exit 0, and it says so ----------------------------------------------------


def test_an_app_without_write_routes_with_path_params_audits_nothing() -> None:
    report = paramleak.audit(no_write_routes.app, max_examples=3)

    assert (report.routes_checked, report.findings, report.unchecked) == (0, [], [])


@pytest.mark.parametrize("format", ["table", "json"])
def test_an_app_without_write_routes_with_path_params_says_nothing_was_audited(
    cli: Run, format: str
) -> None:
    result = cli("audit", "tests.hostile.no_write_routes:app", "--format", format)

    assert result.code == 0
    assert one_line(result.err) == (
        "paramleak: tests.hostile.no_write_routes:app: nothing to audit: no write route "
        "(POST, PUT, PATCH, DELETE) has path params, so no route was audited"
    )
    if format == "json":
        assert result.json["summary"]["routes_checked"] == 0
    else:
        assert "0 routes checked in 1 app" in result.out


def test_require_routes_makes_nothing_to_audit_an_error_and_writes_no_report(
    unrecorded: Run, tmp_path: Path
) -> None:
    output = tmp_path / "paramleak.sarif"
    result = unrecorded(
        "audit",
        "repro.handler_merge:app",
        "tests.hostile.no_write_routes:app",
        "--require-routes",
        "--format",
        "sarif",
        "--output",
        str(output),
        *FAST,
    )

    assert result.code == 2
    assert result.out == ""
    assert one_line(result.err) == (
        "paramleak: tests.hostile.no_write_routes:app: nothing to audit: no write route "
        "(POST, PUT, PATCH, DELETE) has path params, so no route was audited (--require-routes)"
    )
    assert not output.exists()


def test_require_routes_changes_nothing_for_an_app_with_routes_to_audit(unrecorded: Run) -> None:
    args = ("audit", "repro.handler_merge:app", "--format", "json", *FAST)
    with_switch, without = unrecorded(*args, "--require-routes"), unrecorded(*args)

    assert (with_switch.code, with_switch.err) == (without.code, without.err) == (1, "")
    assert with_switch.json["summary"] == without.json["summary"]
    assert with_switch.json["summary"]["findings"] >= 1  # the seed's leak


def test_the_help_says_what_each_hostile_target_exits_with(cli: Run) -> None:
    result = cli("audit", "--help")

    assert result.code == 0
    text = " ".join(result.out.split())
    assert "its lifespan startup fails or takes longer than --timeout" in text
    assert "a bare ASGI callable lists none to audit" in text
    assert "has nothing to audit, and a line on stderr says so" in text
    assert "with --require-routes, also an app with nothing to audit" in text
