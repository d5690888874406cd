from __future__ import annotations

import textwrap
import xml.etree.ElementTree as ET

import pytest

pytest_plugins = ["pytester"]

FAST = ("-p", "no:cacheprovider", "--paramleak-max-examples", "5", "--paramleak-seed", "1")
RUN = "POST /v1/code/triggers/{trigger_id}/run"

# The seed's bug: the handler validates {**path_params, **body} with a model forbidding extras.
LEAKY = """
import json

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, ValidationError


class RunRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str | None = None


app = FastAPI({app_args})


@app.post("/v1/code/triggers/{{trigger_id}}/run")
async def run(request: Request) -> JSONResponse:
    raw = await request.body()
    body = json.loads(raw) if raw else {{}}
    try:
        run = RunRequest.model_validate({{**request.path_params, **body}})
    except ValidationError as error:
        first = error.errors()[0]
        message = f"{{first['loc'][0]}}: {{first['msg']}}"
        return JSONResponse({{"message": message}}, status_code=400)
    return JSONResponse({{"note": run.note}})
"""

# Path and body validated apart; two audited routes, and two that are not (GET, no params).
CORRECT = """
from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict


class RunRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str | None = None


app = FastAPI({app_args})


@app.post("/v1/code/triggers/{{trigger_id}}/run")
def run(trigger_id: str, body: RunRequest | None = None) -> dict[str, str | None]:
    return {{"trigger_id": trigger_id, "note": body.note if body else None}}


@app.put("/v1/code/triggers/{{trigger_id}}")
def update(trigger_id: str, body: RunRequest) -> dict[str, str | None]:
    return {{"trigger_id": trigger_id, "note": body.note}}


@app.get("/v1/code/triggers/{{trigger_id}}")
def get(trigger_id: str) -> dict[str, str]:
    return {{"trigger_id": trigger_id}}


@app.post("/v1/code/triggers")
def create(body: RunRequest) -> dict[str, str | None]:
    return {{"note": body.note}}
"""

AUTH = """
from fastapi import Depends, Header, HTTPException

TOKEN = "s3cret"


def current_user(authorization: str = Header("")) -> str:
    if authorization != f"Bearer {TOKEN}":
        raise HTTPException(401, "missing or bad token")
    return "alice"
"""


def app_source(handlers: str, *, auth: bool = False) -> str:
    app_args = "dependencies=[Depends(current_user)]" if auth else ""
    return (AUTH if auth else "") + handlers.format(app_args=app_args)


def names(pytester: pytest.Pytester, *args: str) -> list[str]:
    """The node ids ``--collect-only -q`` lists."""
    result = pytester.runpytest(*FAST, "--collect-only", "-q", *args)
    return [line for line in result.stdout.lines if "::" in line]


def test_leaking_app_fails_with_the_finding_and_a_curl_line(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(leaky_basic=app_source(LEAKY))
    result = pytester.runpytest(*FAST, "-vv", "--paramleak-app", "leaky_basic:app")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            f"{RUN}: path param in body validation: trigger_id rejected (400)",
            "  kind:      rejected",
            "  param:     trigger_id",
            "  status:    400",
            "  validator: leaky_basic.RunRequest",
            "  handler:   leaky_basic.run (leaky_basic.py:*)",
            "  evidence:  trigger_id=* reached leaky_basic.RunRequest, which rejected it*",
            "    curl -i -X POST http://localhost:8000/v1/code/triggers/*/run",
        ]
    )
    # The item's location is the handler's source.
    assert f"paramleak[leaky_basic:app][{RUN}] <- leaky_basic.py" in result.stdout.str()


def test_correct_app_passes_one_item_per_audited_route(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(correct_basic=app_source(CORRECT))
    result = pytester.runpytest(*FAST, "--paramleak-app", "correct_basic:app")
    result.assert_outcomes(passed=2)


def test_folder_without_tests_collects_one_distinct_item_per_route(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(correct_collect=app_source(CORRECT))
    assert names(pytester, "--paramleak-app", "correct_collect:app") == [
        "paramleak[correct_collect:app]::paramleak[correct_collect:app]"
        "[PUT /v1/code/triggers/{trigger_id}]",
        f"paramleak[correct_collect:app]::paramleak[correct_collect:app][{RUN}]",
    ]


def test_ini_key_names_the_apps(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(correct_ini=app_source(CORRECT))
    pytester.makeini(
        """
        [pytest]
        paramleak_apps =
            correct_ini:app
        paramleak_max_examples = 3
        paramleak_seed = 7
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["paramleak: correct_ini:app (max examples 3, seed 7)"])


# Reads only: nothing for the audit to check.
NO_WRITE_ROUTES = """
from fastapi import FastAPI

app = FastAPI()


@app.get("/v1/code/triggers/{trigger_id}")
def get(trigger_id: str) -> dict[str, str]:
    return {"trigger_id": trigger_id}
"""

NOTHING_TO_AUDIT = (
    "paramleak app reads_only:app: nothing to audit: no write route (POST, PUT, PATCH, "
    "DELETE) has path params (paramleak_require_routes)"
)


def test_an_app_with_nothing_to_audit_gives_no_item(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(reads_only=NO_WRITE_ROUTES)
    result = pytester.runpytest(*FAST, "--paramleak-app", "reads_only:app")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED
    result.assert_outcomes()


@pytest.mark.parametrize("how", ["flag", "ini"])
def test_require_routes_makes_an_app_with_nothing_to_audit_a_collection_error(
    pytester: pytest.Pytester, how: str
) -> None:
    pytester.makepyfile(reads_only=NO_WRITE_ROUTES)
    if how == "flag":
        args: tuple[str, ...] = ("--paramleak-require-routes",)
    else:
        pytester.makeini("[pytest]\nparamleak_require_routes = true\n")
        args = ()
    result = pytester.runpytest(*FAST, "--paramleak-app", "reads_only:app", *args)
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([NOTHING_TO_AUDIT])


def test_require_routes_changes_nothing_for_an_app_with_routes(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(correct_required=app_source(CORRECT))
    result = pytester.runpytest(
        *FAST, "--paramleak-app", "correct_required:app", "--paramleak-require-routes"
    )
    result.assert_outcomes(passed=2)


def test_flag_wins_over_the_ini_key(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(correct_flag=app_source(CORRECT))
    pytester.makeini("[pytest]\nparamleak_apps = missing_module_in_ini:app\n")
    result = pytester.runpytest(*FAST, "--paramleak-app", "correct_flag:app")
    result.assert_outcomes(passed=2)
    assert "missing_module_in_ini" not in result.stdout.str()
    # An empty flag audits nothing, whatever the ini says.
    result = pytester.runpytest(*FAST, "--paramleak-app=")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_two_apps_get_distinct_items_and_k_selects(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(app_one=app_source(LEAKY), app_two=app_source(CORRECT))
    both = ("--paramleak-app", "app_one:app", "--paramleak-app", "app_two:app")
    collected = names(pytester, *both)
    assert len(collected) == len(set(collected)) == 3
    assert sum("paramleak[app_one:app][POST" in name for name in collected) == 1
    assert sum("paramleak[app_two:app][P" in name for name in collected) == 2

    result = pytester.runpytest(*FAST, *both, "-k", "app_two")
    result.assert_outcomes(passed=2, deselected=1)
    result = pytester.runpytest(*FAST, *both, "-k", "app_one or PUT")
    result.assert_outcomes(passed=1, failed=1, deselected=1)


def test_last_failed_reruns_only_the_failing_route(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(lf_one=app_source(LEAKY), lf_two=app_source(CORRECT))
    both = ("--paramleak-app", "lf_one:app", "--paramleak-app", "lf_two:app")
    pytester.runpytest(*FAST[2:], *both).assert_outcomes(passed=2, failed=1)
    result = pytester.runpytest(*FAST[2:], *both, "--lf")
    result.assert_outcomes(failed=1, deselected=2)


def test_route_behind_auth_fails_as_unchecked_without_credentials(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(auth_none=app_source(CORRECT, auth=True))
    result = pytester.runpytest(*FAST, "--paramleak-app", "auth_none:app")
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(
        [
            f"{RUN}: not checked: answered 401 to every probe*",
            "  A route paramleak could not check fails: it is not known to be clean.",
            "  Credentials: define paramleak_headers *",
        ]
    )


@pytest.mark.parametrize(
    ("module", "handlers", "outcomes"),
    [
        pytest.param("auth_correct", CORRECT, {"passed": 2}, id="correct"),
        pytest.param("auth_leaky", LEAKY, {"failed": 1}, id="leaky"),
    ],
)
def test_headers_fixture_from_conftest_gives_credentials(
    pytester: pytest.Pytester, module: str, handlers: str, outcomes: dict[str, int]
) -> None:
    pytester.makepyfile(**{module: app_source(handlers, auth=True)})
    pytester.makeconftest(
        """
        import pytest

        @pytest.fixture
        def paramleak_headers():
            return {"authorization": "Bearer s3cret"}
        """
    )
    result = pytester.runpytest(*FAST, "--paramleak-app", f"{module}:app")
    result.assert_outcomes(**outcomes)
    assert "401" not in result.stdout.str()
    if "failed" in outcomes:
        result.stdout.fnmatch_lines(
            ["  param:     trigger_id", "    curl * -H 'authorization: <redacted>'"]
        )
    assert "s3cret" not in result.stdout.str()


def test_dependency_overrides_fixture_replaces_auth_and_is_restored(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(auth_overridden=app_source(CORRECT, auth=True))
    pytester.makeconftest(
        """
        import pytest

        from auth_overridden import app, current_user

        def kept():
            return None

        app.dependency_overrides[kept] = kept

        @pytest.fixture
        def paramleak_dependency_overrides():
            yield {current_user: lambda: "bob"}
            assert app.dependency_overrides == {kept: kept}
        """
    )
    result = pytester.runpytest(*FAST, "--paramleak-app", "auth_overridden:app")
    result.assert_outcomes(passed=2)


@pytest.mark.parametrize(
    ("files", "target", "message"),
    [
        pytest.param(
            {},
            "no_such_module:app",
            "paramleak app no_such_module:app: cannot import no_such_module: "
            "no module named no_such_module (searched from *)",
            id="missing-module",
        ),
        pytest.param(
            {"broken_import": "import json\nraise RuntimeError('no database')\n"},
            "broken_import:app",
            "paramleak app broken_import:app: importing broken_import raised "
            "RuntimeError: no database (broken_import.py:2)",
            id="raises-on-import",
        ),
        pytest.param(
            {"no_app_attr": "x = 1\n"},
            "no_app_attr:app",
            "paramleak app no_app_attr:app: module no_app_attr has no attribute app",
            id="missing-attribute",
        ),
        pytest.param(
            {"not_an_app": "def create_app():\n    return None\n"},
            "not_an_app:create_app",
            "paramleak app not_an_app:create_app: not an ASGI app with routes "
            "(FastAPI or Starlette): got a function; "
            "for an app factory write not_an_app:create_app()",
            id="factory-without-call",
        ),
        pytest.param(
            {}, "just_a_module", "paramleak app just_a_module: expected MODULE:ATTR*", id="no-colon"
        ),
    ],
)
def test_bad_target_is_a_one_line_collection_error_naming_it(
    pytester: pytest.Pytester, files: dict[str, str], target: str, message: str
) -> None:
    if files:
        pytester.makepyfile(**files)
    result = pytester.runpytest(*FAST, "--paramleak-app", target)
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["*ERROR collecting paramleak?" + target + "?*", message])
    assert "Traceback" not in result.stdout.str()
    assert "_pytest_plugin.py" not in result.stdout.str()


def test_factory_target_is_called(pytester: pytest.Pytester) -> None:
    factory = "\n\ndef create_app() -> FastAPI:\n    return app\n"
    pytester.makepyfile(factory_app=app_source(CORRECT) + factory)
    result = pytester.runpytest(*FAST, "--paramleak-app", "factory_app:create_app()")
    result.assert_outcomes(passed=2)


def test_app_imported_by_the_root_conftest_is_still_observed(pytester: pytest.Pytester) -> None:
    # A fresh process: the plugin must arm before the conftest imports the app.
    pytester.makepyfile(leaky_early=app_source(LEAKY))
    pytester.makeconftest("import leaky_early\n")
    result = pytester.runpytest_subprocess(*FAST, "--paramleak-app", "leaky_early:app")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["  kind:      rejected"])


def test_xdist_runs_the_items_and_junit_has_one_testcase_per_route(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(xdist_one=app_source(LEAKY), xdist_two=app_source(CORRECT))
    junit = pytester.path / "junit.xml"
    result = pytester.runpytest_subprocess(
        *FAST,
        "--paramleak-max-examples=0",
        "-n",
        "2",
        f"--junitxml={junit}",
        "--paramleak-app",
        "xdist_one:app",
        "--paramleak-app",
        "xdist_two:app",
    )
    result.assert_outcomes(passed=2, failed=1)
    testcases = list(ET.parse(junit).getroot().iter("testcase"))
    cases = {case.get("name", ""): case for case in testcases}
    assert len(cases) == len(testcases)
    assert sorted(cases) == [
        "paramleak[xdist_one:app][POST /v1/code/triggers/{trigger_id}/run]",
        "paramleak[xdist_two:app][POST /v1/code/triggers/{trigger_id}/run]",
        "paramleak[xdist_two:app][PUT /v1/code/triggers/{trigger_id}]",
    ]
    failure = cases[f"paramleak[xdist_one:app][{RUN}]"].find("failure")
    assert failure is not None
    assert "curl -i -X POST" in (failure.text or "")


def test_without_apps_the_plugin_adds_nothing(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_plain=textwrap.dedent(
            """
            def test_plain():
                assert True
            """
        )
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "-v")
    result.assert_outcomes(passed=1)
    assert "paramleak[" not in result.stdout.str()
    assert "paramleak:" not in result.stdout.str()


LIFESPAN_COUNTED = """
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from pydantic import BaseModel

LOG = Path(__file__).with_name("lifespan.log")


@asynccontextmanager
async def lifespan(app: FastAPI):
    with LOG.open("a") as log:
        log.write("start\\n")
    yield
    with LOG.open("a") as log:
        log.write("stop\\n")


class Body(BaseModel):
    note: str | None = None


app = FastAPI(lifespan=lifespan)


@app.post("/jobs/{job_id}/run")
def run(job_id: str, body: Body | None = None) -> dict[str, str]:
    return {"job_id": job_id}


@app.post("/jobs/{job_id}/cancel")
def cancel(job_id: str, body: Body | None = None) -> dict[str, str]:
    return {"job_id": job_id}
"""


def test_an_apps_routes_share_one_lifespan_as_under_a_server(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(lifespan_counted=LIFESPAN_COUNTED)

    result = pytester.runpytest(*FAST, "-n", "0", "--paramleak-app", "lifespan_counted:app")

    result.assert_outcomes(passed=2)
    assert (pytester.path / "lifespan.log").read_text().split() == ["start", "stop"]
