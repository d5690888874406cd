"""The pure parts of ``python -m external``: what counts, what fails, bad arguments.

None of this needs Schemathesis; the run itself is ``python -m external`` with the bench extra.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

from external import _cli
from external._spec import complete_schema
from external._tally import Tally, failure, response_problem, state_changes, verdict
from repro import variant

RID = {"request-id": "req_" + "ab" * 12}
ENVELOPE = b'{"type":"error","error":{"type":"invalid_request_error","message":"x: bad"}}'


def trigger(run_count: int = 0, next_run_at: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"id": "trg_1", "name": "n", "run_count": run_count, "next_run_at": next_run_at, **extra}


def test_an_enveloped_error_with_a_request_id_is_in_the_contract() -> None:
    assert response_problem("POST", 400, RID, ENVELOPE) is None
    assert response_problem("GET", 200, RID, b'{"data":[]}') is None
    assert response_problem("HEAD", 405, RID, b"") is None


@pytest.mark.parametrize(
    ("status", "headers", "content", "problem"),
    [
        (400, {}, ENVELOPE, "400 without a request-id header"),
        (200, {}, b"{}", "200 without a request-id header"),
        (404, RID, b"Not Found", "404 with a body that is not JSON"),
        (400, RID, b'{"detail":"x"}', "400 outside the envelope"),
        (
            400,
            RID,
            b'{"type":"error","error":{"type":"invalid_request_error","message":"m","loc":[]}}',
            "400 with an error object other than {type, message}",
        ),
        (
            404,
            RID,
            ENVELOPE,
            "404 with error type 'invalid_request_error', not 'not_found_error'",
        ),
        (
            500,
            RID,
            b'{"type":"error","error":{"type":"api_error","message":1}}',
            "500 with a message that is not a string",
        ),
    ],
)
def test_a_response_outside_the_contract_is_named(
    status: int, headers: dict[str, str], content: bytes, problem: str
) -> None:
    assert response_problem("POST", status, headers, content) == problem


def test_a_scheduler_firing_is_not_a_state_change() -> None:
    before = {"trg_1": trigger(3, "2030-01-01T00:00:00Z")}
    after = {"trg_1": trigger(4, "2030-01-01T00:01:00Z")}
    assert state_changes(before, after) == []
    assert state_changes(before, before) == []


@pytest.mark.parametrize(
    ("after", "change"),
    [
        ({"trg_1": trigger(4, "2030")}, "trigger trg_1 run_count 3 -> 4"),
        ({"trg_1": trigger(5, "2031")}, "trigger trg_1 run_count 3 -> 5"),
        ({"trg_1": trigger(3, "2030", name="m")}, "trigger trg_1 name 'n' -> 'm'"),
        ({"trg_1": trigger(3, "2030"), "trg_2": trigger()}, "trigger trg_2 added"),
        ({}, "trigger trg_1 gone"),
    ],
)
def test_a_request_s_change_to_the_store_is_named(
    after: dict[str, dict[str, Any]], change: str
) -> None:
    assert state_changes({"trg_1": trigger(3, "2030")}, after) == [change]


def test_a_tally_counts_by_status_class_and_problem_and_survives_a_round_trip(
    tmp_path: Path,
) -> None:
    tally = Tally()
    tally.record("GET /v1/code/triggers", 200)
    tally.record("POST /v1/code/triggers", 400, changes=["trigger trg_2 added"])
    tally.record("GET /x", 404, envelope="404 outside the envelope")
    tally.record("POST /y", 500)
    tally.record_network_error("POST /z")
    path = tmp_path / "tally.json"
    tally.write(path)

    read = Tally.read(path)
    assert read == tally
    assert (read.requests, read.server_errors, read.envelope_violations) == (5, 1, 1)
    assert (read.state_changes, read.network_errors) == (1, 1)
    assert read.statuses == {"1xx": 0, "2xx": 1, "3xx": 0, "4xx": 2, "5xx": 1}
    assert read.samples[0].startswith("POST /v1/code/triggers answered 400 and changed")
    assert json.loads(path.read_text())["requests"] == 5
    assert Tally.read(tmp_path / "never-written.json") == Tally()


def test_only_a_clean_run_that_sent_requests_and_exited_0_passes() -> None:
    clean = Tally(requests=10)
    crashed = Tally(requests=10, server_errors=2, state_changes=1)
    assert failure(clean, 0) is None
    assert failure(Tally(), 0) == "no request was sent"
    assert failure(clean, 1) == "schemathesis exited 1"
    assert failure(crashed, 0) == "2 5xx, 1 rejected requests changed the store"
    assert verdict({"a": (clean, 0), "b": (clean, 0)}) is None
    assert verdict({"a": (clean, 0), "b": (crashed, 0)}) == (
        "b: 2 5xx, 1 rejected requests changed the store"
    )
    assert verdict({}) == "no fix was run"


def test_the_spec_gets_the_path_params_and_bodies_a_route_reads_itself() -> None:
    schema = variant("dispatcher_merge/separate_path_model").create_app().openapi()
    complete_schema(schema, ["trg_" + "a" * 24])

    run = schema["paths"]["/v1/code/triggers/{trigger_id}/run"]["post"]
    create = schema["paths"]["/v1/code/triggers"]["post"]
    assert run["parameters"][0]["name"] == "trigger_id"
    assert run["parameters"][0]["examples"] == {"existing_0": {"value": "trg_" + "a" * 24}}
    assert run["requestBody"]["required"] is False
    assert set(run["requestBody"]["content"]["application/json"]["schema"]["properties"]) == {
        "note"
    }
    assert create["requestBody"]["required"] is True


def test_an_unknown_fix_is_exit_2_naming_the_known_ones(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        _cli.main(["handler_merge/nope"])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "unknown fix handler_merge/nope" in err
    assert all(fix.name in err for fix in _cli.FIXES)


def test_max_examples_below_1_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        _cli.main(["--max-examples", "0"])
    assert exited.value.code == 2
    assert "must be at least 1" in capsys.readouterr().err


def test_the_default_is_every_fix_of_the_registry() -> None:
    fixes, args = _cli.parse_args([])
    assert [fix.kind for fix in fixes] == ["fix"] * 8
    assert args.max_examples == _cli.DEFAULT_MAX_EXAMPLES


def test_without_schemathesis_it_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name: None if name == "schemathesis" else real(name)
    )
    assert _cli.main([]) == 2
    assert (
        capsys.readouterr().err.strip()
        == "schemathesis is not installed: pip install -e '.[bench]'"
    )
