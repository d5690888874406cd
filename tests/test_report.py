"""Reports of an audit: the JSON contract, SARIF 2.1.0, and the table."""

from __future__ import annotations

import importlib
import io
import shlex
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

import paramleak
from paramleak._model import AppReport, Finding, ProbeRequest, Unchecked
from paramleak._report import render_table, summary, to_json, to_sarif, verdict
from repro import variant

ROOT = Path(__file__).resolve().parents[1]
RUN = "/v1/code/triggers/{trigger_id}/run"
FINDING_KEYS = {
    "app": str,
    "method": str,
    "route": str,
    "param": str,
    "kind": str,
    "status": int,
    "validator": str,
    "evidence": str,
    "handler": str,
    "curl": str,
}
LEVELS = {"none", "note", "warning", "error"}


def audited(name: str) -> AppReport:
    """A fresh app of the registered variant ``name``, audited, named as the CLI would."""
    found = variant(name)
    return paramleak.audit(
        found.create_app(), target=f"{found.module}:create_app", max_examples=5, seed=0
    )


@pytest.fixture(scope="module")
def reports() -> list[AppReport]:
    """The seed, its right fix, its masking fix and the mass-assignment wrong fix."""
    return [
        audited(name)
        for name in (
            "handler_merge",
            "handler_merge/separate_path_model",
            "handler_merge/extra_ignore",
            "handler_merge/wrong_path_as_body_field",
        )
    ]


def unchecked_report() -> AppReport:
    """What a route behind credentials looks like, by hand: no live app needed."""
    return AppReport(
        "repro.handler_merge:app",
        routes_checked=0,
        unchecked=[Unchecked("POST", RUN, "answered 401 to every probe: give credentials")],
    )


def made_up_finding(source_file: str | None, kind: Any = "rejected") -> Finding:
    return Finding(
        method="PUT",
        route="/items/{item_id}",
        param="item_id",
        kind=kind,
        status=400,
        validator="shop.models.Item",
        evidence="item_id='x' reached shop.models.Item, which rejected it; response 400",
        request=ProbeRequest("PUT", "/items/x", b'{"name": "it\'s [1]"}', (("x-token", "t"),)),
        handler="shop.api.put_item",
        source_file=source_file,
        source_line=7 if source_file else None,
    )


# -- JSON -------------------------------------------------------------------------------------


def test_json_follows_the_contract_for_a_leak_and_its_fix(reports: list[AppReport]) -> None:
    data = to_json(reports[:2])

    assert data["version"] == 1
    assert [app["target"] for app in data["apps"]] == [
        "repro.handler_merge:create_app",
        "fixes.handler_merge.separate_path_model:create_app",
    ]
    seed, fix = data["apps"]
    assert seed["routes_checked"] == 1
    assert fix["routes_checked"] == 1
    assert fix["findings"] == []
    assert fix["unchecked"] == []
    assert data["findings"] == seed["findings"]
    assert data["unchecked"] == []
    [finding] = data["findings"]
    for key, kind in FINDING_KEYS.items():
        assert isinstance(finding[key], kind), key
    assert finding["app"] == "repro.handler_merge:create_app"
    assert (finding["method"], finding["route"], finding["param"]) == ("POST", RUN, "trigger_id")
    assert finding["kind"] == "rejected"
    assert finding["status"] == 400
    assert finding["validator"] == "repro.routines.models.RunRequest"
    assert finding["handler"] == "repro.handler_merge.run_route"
    assert finding["source"]["file"] == str(ROOT / "repro" / "handler_merge.py")
    assert isinstance(finding["source"]["line"], int)
    assert data["summary"] == {"findings": 1, "unchecked": 0, "routes_checked": 2, "apps": 2}


def test_json_kinds_for_masking_and_mass_assignment(reports: list[AppReport]) -> None:
    data = to_json(reports)

    kinds = {app["target"]: [f["kind"] for f in app["findings"]] for app in data["apps"]}
    assert kinds == {
        "repro.handler_merge:create_app": ["rejected"],
        "fixes.handler_merge.separate_path_model:create_app": [],
        "fixes.handler_merge.extra_ignore:create_app": ["masked"],
        "fixes.handler_merge.wrong_path_as_body_field:create_app": ["masked", "override"],
    }
    assert len(data["findings"]) == 4


def test_json_unchecked_and_a_finding_without_source() -> None:
    report = unchecked_report()
    report.findings.append(made_up_finding(None))
    data = to_json([report])

    assert data["unchecked"] == [
        {
            "app": "repro.handler_merge:app",
            "method": "POST",
            "route": RUN,
            "reason": "answered 401 to every probe: give credentials",
        }
    ]
    assert data["findings"][0]["source"] is None
    assert data["apps"][0]["clean"] is False


def test_curl_replays_the_request_the_audit_sent(reports: list[AppReport]) -> None:
    [finding] = to_json(reports[:1])["findings"]

    words = shlex.split(finding["curl"])
    assert words[:4] == ["curl", "-i", "-X", "POST"]
    url = words[4]
    assert url.startswith("http://localhost:8000/v1/code/triggers/")
    assert url.endswith("/run")
    assert url != "http://localhost:8000" + RUN  # a real value, not the template
    assert finding["request"]["path"] == url.removeprefix("http://localhost:8000")


def test_curl_of_a_request_with_a_body_pastes_into_a_shell() -> None:
    curl = to_json([AppReport("a:app", findings=[made_up_finding(None)])])["findings"][0]["curl"]

    assert shlex.split(curl) == [
        "curl",
        "-i",
        "-X",
        "PUT",
        "http://localhost:8000/items/x",
        "-H",
        "x-token: t",
        "-H",
        "content-type: application/json",
        "--data-binary",
        '{"name": "it\'s [1]"}',
    ]


# -- SARIF ------------------------------------------------------------------------------------


def check_sarif(log: dict[str, Any]) -> None:
    """The keys SARIF 2.1.0 requires, and what GitHub code scanning reads, checked by hand."""
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert log["version"] == "2.1.0"
    [run] = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "paramleak"
    assert isinstance(driver["version"], str)
    assert driver["version"]
    rules = driver["rules"]
    assert [rule["id"] for rule in rules] == ["PL001", "PL002", "PL003", "PL004"]
    for rule in rules:
        assert isinstance(rule["name"], str)
        assert rule["shortDescription"]["text"]
        assert rule["fullDescription"]["text"]
        assert rule["defaultConfiguration"]["level"] in LEVELS
    for base in run.get("originalUriBaseIds", {}).values():
        assert base["uri"].startswith("file:///")
        assert base["uri"].endswith("/")
    for result in run["results"]:
        assert isinstance(result["message"]["text"], str)
        assert result["message"]["text"]
        assert result["level"] in LEVELS
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        [location] = result["locations"]
        physical = location["physicalLocation"]
        assert isinstance(physical["artifactLocation"]["uri"], str)
        if "uriBaseId" in physical["artifactLocation"]:
            assert physical["artifactLocation"]["uriBaseId"] in run["originalUriBaseIds"]
        assert isinstance(physical["region"]["startLine"], int)
        assert physical["region"]["startLine"] >= 1
        fingerprints = result["partialFingerprints"]
        assert fingerprints
        assert all(isinstance(value, str) for value in fingerprints.values())


def test_sarif_structure_rules_and_levels_per_kind(
    reports: list[AppReport], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    log = to_sarif([*reports, unchecked_report()])

    check_sarif(log)
    results = log["runs"][0]["results"]
    by_rule = sorted((r["ruleId"], r["level"], r["properties"].get("kind")) for r in results)
    assert by_rule == [
        ("PL001", "error", "rejected"),
        ("PL002", "warning", "masked"),
        ("PL002", "warning", "masked"),
        ("PL003", "error", "override"),
        ("PL004", "note", None),
    ]


def test_sarif_message_carries_evidence_and_curl(reports: list[AppReport]) -> None:
    [result] = to_sarif(reports[:1])["runs"][0]["results"]
    [finding] = reports[0].findings

    assert finding.evidence in result["message"]["text"]
    assert result["message"]["text"].endswith(finding.curl())


def test_sarif_uris_are_relative_to_the_current_directory(
    reports: list[AppReport], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    [result] = to_sarif(reports[:1])["runs"][0]["results"]

    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {
        "uri": "repro/handler_merge.py",
        "uriBaseId": "%SRCROOT%",
    }
    assert location["region"]["startLine"] == reports[0].findings[0].source_line
    base = to_sarif(reports[:1])["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert base == ROOT.as_uri() + "/"


def test_sarif_uri_outside_the_current_directory_is_absolute(
    reports: list[AppReport], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    [result] = to_sarif(reports[:1])["runs"][0]["results"]

    artifact = result["locations"][0]["physicalLocation"]["artifactLocation"]
    assert artifact == {"uri": (ROOT / "repro" / "handler_merge.py").as_uri()}


def test_sarif_quotes_a_relative_uri_and_falls_back_to_the_app_module(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    importlib.import_module("repro.handler_merge")  # its file is the fallback location
    monkeypatch.chdir(tmp_path)
    spaced = tmp_path / "my service" / "api.py"
    report = AppReport("repro.handler_merge:app", findings=[made_up_finding(str(spaced))])
    report.findings.append(made_up_finding(None, kind="masked"))
    log = to_sarif([report])

    check_sarif(log)
    spaced_result, unknown_result = log["runs"][0]["results"]
    spaced_location = spaced_result["locations"][0]["physicalLocation"]
    assert spaced_location["artifactLocation"]["uri"] == "my%20service/api.py"
    assert spaced_location["region"]["startLine"] == 7
    # No handler source: the app's module file, line 1.
    unknown_location = unknown_result["locations"][0]["physicalLocation"]
    assert unknown_location["artifactLocation"]["uri"] == (
        (ROOT / "repro" / "handler_merge.py").as_uri()
    )
    assert unknown_location["region"]["startLine"] == 1


def test_fingerprints_are_stable_across_runs() -> None:
    # route_rewrite's probe values are random: the curl lines differ, the fingerprints may not.
    first, second = audited("route_rewrite"), audited("route_rewrite")
    one, two = to_sarif([first]), to_sarif([second])

    assert (
        one["runs"][0]["results"][0]["partialFingerprints"]
        == (two["runs"][0]["results"][0]["partialFingerprints"])
    )
    assert [f["fingerprint"] for f in to_json([first])["findings"]] == [
        f["fingerprint"] for f in to_json([second])["findings"]
    ]


def test_fingerprints_differ_per_kind_route_param_and_app(reports: list[AppReport]) -> None:
    log = to_sarif([*reports, unchecked_report()])

    prints = [r["partialFingerprints"]["paramleak/v1"] for r in log["runs"][0]["results"]]
    assert len(set(prints)) == len(prints)


# -- table ------------------------------------------------------------------------------------


def rendered(reports: list[AppReport]) -> str:
    buffer = io.StringIO()
    render_table(reports, Console(file=buffer, width=160, color_system=None))
    return buffer.getvalue()


def test_table_names_each_finding_with_a_whole_curl_line(reports: list[AppReport]) -> None:
    out = rendered(reports)

    for report in reports:
        for finding in report.findings:
            assert f"   {finding.curl()}" in out.splitlines()
    assert f"POST {RUN}" in out
    assert "trigger_id" in out
    for kind in ("rejected", "masked", "override"):
        assert kind in out
    assert out.rstrip().endswith("4 findings, 0 unchecked, 4 routes checked in 4 apps")


def test_table_lists_unchecked_routes_with_reasons_and_never_reads_clean() -> None:
    out = rendered([unchecked_report()])

    assert "No path param reaches" not in out
    assert "No finding in the routes checked; some routes were not checked." in out
    assert "answered 401 to every probe" in out
    assert out.rstrip().endswith("0 findings, 1 unchecked, 0 routes checked in 1 app")


def test_summary_and_verdict_wording() -> None:
    assert summary([]) == "0 findings, 0 unchecked, 0 routes checked in 0 apps"
    assert verdict([]) == "clean"
    assert verdict(["override", "masked", "masked"]) == "masked + override"
    assert verdict(["unchecked", "rejected"]) == "rejected + unchecked"
