"""``tests/figures.py`` on synthetic reports: the tally, the contract, the exit status.

The command itself runs four test modules; here ``run_tests`` is replaced by the records a
run would give, so no test runs pytest inside pytest.
"""

from __future__ import annotations

from typing import Any

import pytest

from repro import VARIANTS
from tests import figures
from tests.figures import Record, markdown, problems, tally

DECLARED = "handler_merge/wrong_path_as_body_field"
FIX = "handler_merge/separate_path_model"
FIXES = sorted(v.name for v in VARIANTS if v.kind == "fix")


def call(*properties: tuple[str, Any], outcome: str = "passed") -> Record:
    return Record("call", outcome, properties)


def bad_input(status: int = 400, *, changed: bool = False, as_tabled: bool | None = True) -> Record:
    seen: list[tuple[str, Any]] = [("bad_input_status", status), ("store_changed", changed)]
    if as_tabled is not None:  # not recorded when the answer was no envelope
        seen.append(("as_tabled", as_tabled))
    return call(*seen)


def fuzzed(app: str, sent: int = 300, server_errors: int = 0, violations: int = 0) -> Record:
    return call(
        ("variant", app),
        ("requests_sent", sent),
        ("server_errors", server_errors),
        ("envelope_violations", violations),
    )


def attacked(variant: str, overrides: int) -> Record:
    return call(("variant", variant), ("override_attempts", 72), ("overrides", overrides))


def audited(target: str, exit: int, verdict: str, *, credentials: bool = False) -> Record:
    seen = {"target": target, "credentials": credentials, "exit": exit, "verdict": verdict}
    return call(("paramleak_run", seen | {"clean": exit == 0 and "nothing" not in verdict}))


def one_per_variant(record: Record) -> tuple[str, str] | None:
    """A fuzz or attack record's variant and kind: there is one of each per variant."""
    seen = dict(record.properties)
    return (seen["variant"], record.properties[1][0]) if "variant" in seen else None


def run(*changes: Record, drop: str = "") -> list[Record]:
    """A passing run in which every figure holds; ``changes`` replace the fuzz or attack
    record of their variant or are added, and the records of variant ``drop`` are left out."""
    records = [bad_input(), bad_input()]
    records += [fuzzed(name) for name in FIXES]
    records += [attacked(v.name, 8 if v.name == DECLARED else 0) for v in VARIANTS]
    records += [
        audited("tests.hostile.raises:app", 1, "0 findings, 2 unchecked, 0 routes checked"),
        audited(
            "tests.hostile.auth:app",
            0,
            "0 findings, 0 unchecked, 1 route checked",
            credentials=True,
        ),
        audited("tests.hostile.no_write_routes:app", 0, "paramleak: nothing to audit"),
    ]
    replaced = {one_per_variant(c) for c in changes} - {None}
    records = [
        r
        for r in records
        if one_per_variant(r) not in replaced and dict(r.properties).get("variant") != drop
    ]
    records += changes
    # Each call's teardown report carries the same properties again.
    return records + [Record("teardown", "passed", r.properties) for r in records]


def test_a_passing_run_tallies_each_call_once_and_meets_the_contract() -> None:
    result = tally(run())

    passed = 2 + len(FIXES) + len(VARIANTS) + 3
    assert result.outcomes == {"passed": passed, "failed": 0, "skipped": 0, "errors": 0}
    assert (result.bad_input.tried, result.bad_input.as_tabled) == (2, 2)
    assert result.fuzz_total().requests == len(FIXES) * 300
    assert [(a.variant, a.overrides) for a in result.attacked if a.overrides] == [(DECLARED, 8)]
    assert len(result.hostile) == 3
    assert problems(result) == []


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        pytest.param([fuzzed(FIX, server_errors=1)], "1 fuzzed 5xx", id="fuzz-5xx"),
        pytest.param(
            [fuzzed(FIX, violations=2)], "2 fuzzed envelope violations", id="fuzz-envelope"
        ),
        pytest.param([attacked(FIX, 1)], f"1 overrides in {FIX}", id="override-in-a-fix"),
        pytest.param(
            [attacked(DECLARED, 0)], f"no override in {DECLARED}, which declares it", id="declared"
        ),
        pytest.param([bad_input(500, as_tabled=None)], "1 bad-input 5xx", id="bad-input-5xx"),
        pytest.param(
            [bad_input(changed=True)], "1 bad-input requests changed the store", id="store"
        ),
        pytest.param(
            [bad_input(as_tabled=False)], "1 bad-input answers not as tabled", id="not-tabled"
        ),
        pytest.param(
            [audited("tests.hostile.hangs:sleeping_app", 0, "0 findings, 0 unchecked")],
            "tests.hostile.hangs:sleeping_app reported clean",
            id="hostile-clean",
        ),
        pytest.param(
            [Record("call", "failed", fuzzed(FIX).properties)],
            "pytest exited 0 (1 failed)",
            id="test-failed",
        ),
        pytest.param([Record("setup", "failed")], "pytest exited 0 (1 errors)", id="setup-error"),
    ],
)
def test_a_figure_off_the_contract_is_a_problem(changes: list[Record], reason: str) -> None:
    assert reason in problems(tally(run(*changes)))


def test_a_bad_input_answer_outside_the_envelope_is_not_as_tabled() -> None:
    result = tally(run(bad_input(as_tabled=None))).bad_input

    assert (result.tried, result.as_tabled) == (3, 2)


def test_figures_missing_for_a_variant_are_a_problem() -> None:
    found = problems(tally(run(drop=FIX)))

    assert f"not fuzzed: {FIX}" in found
    assert f"no override attempts on: {FIX}" in found


def test_no_records_at_all_are_problems_not_a_pass() -> None:
    assert problems(tally([]), exit_code=5) == [
        "pytest exited 5",
        "no bad-input case ran",
        "not fuzzed: " + ", ".join(FIXES),
        "no override attempts on: " + ", ".join(sorted(v.name for v in VARIANTS)),
        "no hostile target audited",
    ]


def test_the_markdown_states_the_profile_the_outcomes_and_every_figure() -> None:
    text = markdown(tally(run(audited("t:app", 1, "a | b"), fuzzed(FIX, 1234))), "ci")

    assert text.startswith("Hypothesis profile `ci`; pytest on the four modules: 28 passed,")
    assert "| (case, variant) pairs tried | 2 |" in text
    assert f"| `{FIX}` | 1,234 | 0 | 0 |" in text
    assert "| **total** | 3,334 | 0 | 0 |" in text
    assert f"| `{DECLARED}` | wrong-fix | 72 | 8 | yes |" in text
    assert "| `tests.hostile.auth:app` with `--header` | 0 findings, 0 unchecked" in text
    assert "| `t:app` | a \\| b | 1 |" in text


def fake_run(monkeypatch: pytest.MonkeyPatch, records: list[Record], code: int = 0) -> list[str]:
    """Make ``figures.main`` see ``records`` instead of running pytest; the profiles asked."""
    asked: list[str] = []

    def run_tests(profile: str) -> tuple[int, list[Record]]:
        asked.append(profile)
        return code, records

    monkeypatch.setattr(figures, "run_tests", run_tests)
    return asked


def test_the_command_exits_zero_when_every_figure_holds(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    asked = fake_run(monkeypatch, run())

    assert figures.main(["--markdown"]) == 0
    out, err = capsys.readouterr()
    assert asked == ["ci"]
    assert out.startswith("Hypothesis profile `ci`")
    assert err == ""


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        pytest.param(fuzzed(FIX, server_errors=3), "3 fuzzed 5xx", id="5xx"),
        pytest.param(attacked(FIX, 2), f"2 overrides in {FIX}", id="override-in-a-fix"),
    ],
)
def test_the_command_exits_one_with_a_one_line_reason(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    change: Record,
    reason: str,
) -> None:
    asked = fake_run(monkeypatch, run(change))

    assert figures.main(["--profile", "thorough"]) == 1
    out, err = capsys.readouterr()
    assert asked == ["thorough"]
    assert "Hostile targets" in out  # the rich tables are printed all the same
    assert err == f"figures: not as the contract demands: {reason}\n"


def test_a_failing_pytest_run_exits_one_even_if_the_figures_hold(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_run(monkeypatch, run(), code=1)

    assert figures.main(["--markdown"]) == 1
    assert capsys.readouterr().err == "figures: not as the contract demands: pytest exited 1\n"


@pytest.mark.parametrize("argv", [["--profile", "fast"], ["--markdwon"], ["extra"]])
def test_bad_arguments_exit_two(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    asked = fake_run(monkeypatch, run())

    with pytest.raises(SystemExit) as exited:
        figures.main(argv)

    assert exited.value.code == 2
    assert asked == []
    assert "usage: python -m tests.figures" in capsys.readouterr().err
