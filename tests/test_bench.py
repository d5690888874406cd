"""``python -m bench``: the pure parts (figures, goals, table, arguments) and one cheap row.

No test here asserts a duration: the bench reports speed, the tests check its bookkeeping.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pytest

from bench import ROOT, _cli, detection, scale
from bench._core import INSTALL_HINT, Goal, Rounds, Row, Settings, failed, median, ratio, span
from bench._profile import by_package, package
from bench._table import cells, markdown, rich_table, seconds, times
from bench.requests import probe_rows


def row(values: tuple[float, ...], baselines: tuple[float, ...], **kwargs: object) -> Row:
    return Row(
        key="k",
        name="a row",
        measured="the candidate",
        baseline_name="the baseline",
        values=values,
        baselines=baselines,
        **kwargs,  # type: ignore[arg-type]
    )


def test_median_ratio_and_span() -> None:
    assert median([3.0, 1.0, 2.0]) == 2.0
    assert median([1.0, 2.0, 3.0, 4.0]) == 2.5
    with pytest.raises(ValueError, match="no values"):
        median([])
    assert ratio(3.0, 2.0) == 1.5
    assert ratio(1.0, 0.0) == math.inf
    assert span([25, 25]) == "25"
    assert span([31, 25, 27]) == "25-31"


def test_a_cost_ratio_is_value_over_baseline_per_round() -> None:
    r = row((2.0, 3.0, 4.0), (1.0, 1.0, 2.0), goal=Goal(2.0, at_most=True))
    assert r.ratios == (2.0, 3.0, 2.0)
    assert r.ratio == 2.0
    assert r.spread == (2.0, 3.0)
    assert r.value == 3.0
    assert r.baseline == 1.0
    assert r.status == "met"
    assert row((3.0,), (1.0,), goal=Goal(2.0, at_most=True)).status == "missed"


def test_a_speedup_is_baseline_over_value() -> None:
    faster = row((1.0, 2.0), (30.0, 40.0), goal=Goal(20.0, at_most=False), speedup=True)
    assert faster.ratios == (30.0, 20.0)
    assert faster.ratio == 25.0
    assert faster.status == "met"
    slower = row((10.0,), (5.0,), goal=Goal(1.6, at_most=False), speedup=True)
    assert slower.status == "missed"
    assert times(slower.ratio, speedup=True) == "2\u00d7 slower"
    assert times(faster.ratio, speedup=True) == "25\u00d7 faster"
    assert times(1.234, speedup=False) == "1.23\u00d7"


def test_a_goal_on_the_value_ignores_the_ratio() -> None:
    goal = Goal(45.0, at_most=True, on="value")
    assert row((40.0,), (80.0,), goal=goal, speedup=True).status == "met"
    assert row((50.0,), (100.0,), goal=goal, speedup=True).status == "missed"
    assert goal.describe() == "\u2264 45 s"
    assert Goal(2.0, at_most=True).describe() == "\u2264 2\u00d7"


def test_rows_without_a_goal_or_without_figures() -> None:
    assert row((1.0,), (1.0,)).status == "n/a"
    broken = failed("process", "whole process", f"schemathesis {INSTALL_HINT}")
    assert broken.status == "error"
    assert broken.ratio is None
    assert broken.value is None
    assert not Goal(2.0, at_most=True).met(broken)


def test_rounds_rotate_the_order_and_pair_the_figures() -> None:
    order: list[str] = []

    def contender(name: str, figure: float) -> float:
        order.append(name)
        return figure

    measured = Rounds.run(
        3, {"a": lambda: contender("a", 1.0), "b": lambda: contender("b", 2.0)}, warmup=False
    )
    assert order == ["a", "b", "b", "a", "a", "b"]
    assert measured["a"] == (1.0, 1.0, 1.0)
    assert measured["b"] == (2.0, 2.0, 2.0)
    Rounds.run(1, {"a": lambda: contender("a", 1.0)})
    assert order[-2:] == ["a", "a"]  # the warm-up call, then the round


def test_seconds_are_printed_in_a_readable_unit() -> None:
    assert seconds(0.000215) == "215 µs"
    assert seconds(0.0413) == "41.3 ms"
    assert seconds(18.53) == "18.5 s"
    assert seconds(None) == "\u2014"


def test_the_table_shows_every_column_and_the_notes() -> None:
    good = row((2.0, 3.0), (1.0, 1.0), goal=Goal(5.0, at_most=True), note="25 requests")
    broken = failed("detection", "time to first detection", f"schemathesis {INSTALL_HINT}")
    assert cells(good) == (
        "a row",
        "the candidate vs the baseline",
        "2.5 s",
        "1 s",
        "2.5\u00d7",
        "2\u20133",
        "\u2264 5\u00d7",
        "met",
    )
    assert cells(broken)[1] == "schemathesis not installed (pip install -e '.[bench]')"
    assert cells(broken)[-1] == "error"
    text = markdown([good, broken], "Measured on a test.")
    lines = text.splitlines()
    assert lines[0] == "Measured on a test."
    assert lines[2].startswith("| row | what is measured | value |")
    assert lines[4].startswith("| a row | the candidate vs the baseline | 2.5 s |")
    assert "| time to first detection | schemathesis not installed" in lines[5]
    assert lines[-1] == "- a row: 25 requests"
    assert rich_table([good, broken], "title").row_count == 2


def test_without_schemathesis_its_rows_say_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(detection, "schemathesis_installed", lambda: False)
    for rows in (detection.detection_rows(Settings()), detection.process_rows(Settings())):
        assert [r.status for r in rows] == ["error"]
        assert rows[0].error == "schemathesis not installed (pip install -e '.[bench]')"


def test_pytest_summary_counts() -> None:
    assert scale.counts("x\n===== 500 failed, 500 passed in 27.1s =====\n") == {
        "failed": 500,
        "passed": 500,
    }
    assert scale.counts("1,900 passed\n1899 passed, 1 error in 40s\n") == {
        "passed": 1899,
        "error": 1,
    }
    assert scale.counts("") == {}


def test_the_plugin_rows_set_their_bytecode_environment_instead_of_inheriting_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    bytecode = scale.Bytecode(tmp_path)
    assert bytecode.cached["PYTHONPYCACHEPREFIX"] == str(tmp_path)
    assert "PYTHONDONTWRITEBYTECODE" not in bytecode.cached
    assert bytecode.uncached["PYTHONDONTWRITEBYTECODE"] == "1"
    assert "PYTHONPYCACHEPREFIX" not in bytecode.uncached
    for env in (bytecode.cached, bytecode.uncached):
        assert str(ROOT) in env["PYTHONPATH"].split(os.pathsep)


def test_the_correct_routes_app_is_the_same_routes_with_no_leak() -> None:
    """The xdist rows' two targets differ only in the leaks."""
    import paramleak
    from bench._targets import routes_app

    leaking, correct = (
        paramleak.audit(routes_app(20, leaks=leaks), max_examples=2, seed=0)
        for leaks in (True, False)
    )
    assert leaking.routes_checked == correct.routes_checked == 20
    assert (len(leaking.findings), len(correct.findings)) == (10, 0)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--rounds", "0"], "must be at least 1"),
        (["--rounds", "many"], "expected a whole number"),
        (["--only", "nothing"], "invalid choice: 'nothing'"),
        (["--profile-row", "nothing"], "invalid choice: 'nothing'"),
        (["--verbose"], "unrecognized arguments: --verbose"),
    ],
)
def test_bad_arguments_exit_2_with_argparse_message(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        _cli.main(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_quick_leaves_out_the_suite_unless_named() -> None:
    keys = [m.key for m in _cli.MEASURES]
    assert keys == [
        "probe",
        "search",
        "clients",
        "detection",
        "process",
        "routes",
        "xdist",
        "suite",
    ]
    assert [m.key for m in _cli.chosen(None, quick=True)] == keys[:-1]
    assert [m.key for m in _cli.chosen(None, quick=False)] == keys
    assert [m.key for m in _cli.chosen(["suite", "probe"], quick=True)] == ["probe", "suite"]


def test_the_probe_rows_measure_both_sides_of_each_round() -> None:
    """The cheapest rows, for real, with tiny rounds: their shape, never their speed."""
    found, one_job = probe_rows(Settings(rounds=2, quick=True))
    assert (found.key, one_job.key) == ("probe", "probe:one-job")
    for measured in (found, one_job):
        assert measured.error is None
        assert len(measured.values) == len(measured.baselines) == 2
        assert all(v > 0 for v in (*measured.values, *measured.baselines))
    assert found.goal == Goal(2.0, at_most=True)
    assert found.status in ("met", "missed")
    assert one_job.goal is None
    assert one_job.status == "n/a"
    assert "answered 400" in found.note


class _Frame:
    def __init__(self, file_path: str | None, self_time: float, *children: _Frame) -> None:
        self.file_path = file_path
        self.total_self_time = self_time
        self.children = list(children)


def test_profile_time_is_summed_by_package_with_built_ins_counted_to_their_caller() -> None:
    site = "/venv/lib/python3.11/site-packages"
    assert package(f"{site}/hypothesis/core.py") == "hypothesis"
    assert package(str(ROOT / "paramleak" / "_audit.py")) == "paramleak"
    assert package(json.__file__) == "python (standard library)"
    assert package("<built-in>") == package(None) == "built-in"

    tree = _Frame(
        str(ROOT / "paramleak" / "_audit.py"),
        1.0,
        _Frame(f"{site}/hypothesis/core.py", 6.0, _Frame("<built-in>", 2.0)),
        _Frame("<built-in>", 1.0),
    )
    assert by_package(tree).splitlines() == [
        "time by package (self time; built-ins count to their caller):",
        "   80.0%  hypothesis",
        "   20.0%  paramleak",
    ]
