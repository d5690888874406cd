"""paramleak.audit on the bundled variants: its verdict is what the registry declares."""

from __future__ import annotations

import json
import time
from typing import Annotated, Literal

import pytest
from fastapi import FastAPI, Path
from pydantic import BaseModel, ConfigDict

import paramleak
from repro import Variant
from tests.support import variants

RUN = "/v1/code/triggers/{trigger_id}/run"


@pytest.fixture
def report(variant: Variant) -> paramleak.AppReport:
    return paramleak.audit(variant.create_app(), target=variant.name, max_examples=10, seed=0)


@pytest.mark.parametrize("variant", variants())
def test_audit_finds_a_leak_exactly_where_the_registry_declares_one(
    variant: Variant, report: paramleak.AppReport
) -> None:
    leaks = {f.kind for f in report.findings} & {"rejected", "masked"}
    assert bool(leaks) is variant.expect["path_reaches_body_validation"]
    assert report.unchecked == []
    assert report.routes_checked == 1  # the run route: the only write route with a param


@pytest.mark.parametrize(
    "variant", variants(where=lambda v: v.expect["path_reaches_body_validation"])
)
def test_audit_names_the_route_and_the_param(report: paramleak.AppReport) -> None:
    assert {(f.method, f.route, f.param) for f in report.findings} == {("POST", RUN, "trigger_id")}


@pytest.mark.parametrize("variant", variants())
def test_audit_calls_a_leak_masked_exactly_where_the_run_succeeds_with_it(
    variant: Variant, report: paramleak.AppReport
) -> None:
    masked = any(f.kind == "masked" for f in report.findings)
    expect = variant.expect
    assert masked is (expect["path_reaches_body_validation"] and not expect["rejects_valid_run"])


@pytest.mark.parametrize("variant", variants())
def test_audit_reports_an_override_exactly_where_the_body_picks_the_trigger(
    variant: Variant, report: paramleak.AppReport
) -> None:
    override = any(f.kind == "override" for f in report.findings)
    assert override is variant.expect["body_overrides_path"]


@pytest.mark.parametrize("variant", variants(where=lambda v: v.expect["rejects_valid_run"]))
def test_rejected_finding_carries_the_seed_status_and_a_curl_that_replays_it(
    report: paramleak.AppReport,
) -> None:
    (finding,) = report.findings
    assert (finding.kind, finding.status) == ("rejected", 400)
    assert "rejected it (extra_forbidden)" in finding.evidence
    assert finding.curl().startswith("curl -i -X POST http://localhost:8000/v1/code/triggers/")
    assert finding.curl().endswith("/run")  # the seed's request: no body at all


def test_audit_refuses_to_run_unarmed(monkeypatch: pytest.MonkeyPatch) -> None:
    import paramleak._audit

    monkeypatch.setattr(paramleak._audit, "is_armed", lambda: False)
    with pytest.raises(paramleak.NotArmed, match=r"paramleak\.arm\(\)"):
        paramleak.audit(object())


class Escalate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    priority: Literal["low", "normal", "high"] = "normal"
    reason: str | None = None


def conditional_merge_app() -> FastAPI:
    """Merges path params only for escalated tickets: the fixed probes never escalate."""
    app = FastAPI()

    @app.post("/tickets/{ticket_id}/escalate")
    async def escalate(ticket_id: str, body: Escalate) -> dict[str, str]:
        if body.priority == "high" and body.reason:
            Escalate.model_validate({"ticket_id": ticket_id, **body.model_dump()})
        return {"status": "queued"}

    return app


def test_search_finds_a_leak_the_fixed_probes_miss_and_shrinks_it() -> None:
    report = paramleak.audit(conditional_merge_app(), max_examples=200, seed=1)

    (finding,) = report.findings
    assert (finding.param, finding.kind, finding.status) == ("ticket_id", "rejected", 500)
    assert finding.request.body is not None
    assert json.loads(finding.request.body) == {"priority": "high", "reason": "0"}


def test_a_handler_that_blocks_the_event_loop_is_a_timeout_not_clean() -> None:
    app = FastAPI()

    @app.post("/jobs/{job_id}/run")
    async def run_job(job_id: str) -> dict[str, str]:
        time.sleep(1.5)  # blocks the loop: asyncio.wait_for alone could not interrupt it
        return {"ran": job_id}

    report = paramleak.audit(app, timeout=0.2, max_examples=5)

    assert report.findings == []
    assert report.routes_checked == 0
    [unchecked] = report.unchecked
    assert (unchecked.method, unchecked.route) == ("POST", "/jobs/{job_id}/run")
    assert unchecked.reason == "timeout: no answer within 0.2s"


def test_a_route_whose_path_constraints_admit_no_value_is_unchecked() -> None:
    app = FastAPI()

    @app.post("/slots/{slot}")
    async def book(slot: Annotated[int, Path(gt=5, lt=3)]) -> None: ...

    report = paramleak.audit(app, max_examples=5)

    [unchecked] = report.unchecked
    assert unchecked.reason == "could not make path values its validation accepts (int)"
    assert report.routes_checked == 0
